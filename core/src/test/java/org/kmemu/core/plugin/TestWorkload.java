package org.kmemu.core.plugin;

import org.kmemu.api.ExtensionPointInfo;
import org.kmemu.api.KmemuExtension;

/**
 * An extension point that exists only in this test, standing for issue 9's workloads: the plugin
 * host loads and selects its extensions with no code of its own for it.
 */
@ExtensionPointInfo(what = "workload", selectedBy = "kmemu.test.workload")
public interface TestWorkload extends KmemuExtension {

    /** @return a result the test can check came from this extension */
    int run();

    /** The one extension of {@link TestWorkload}, listed in a test plugin jar's extensions.idx. */
    final class Sequential implements TestWorkload {
        /** PF4J's extension factory needs it public. */
        public Sequential() {
        }

        @Override
        public String id() {
            return "sequential";
        }

        @Override
        public String description() {
            return "touches pages in order";
        }

        @Override
        public int run() {
            return 42;
        }
    }
}
