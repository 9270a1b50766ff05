package org.kmemu.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;

/**
 * One entry of {@code kmemu.devices}: a device type's id, the base address of its window, the entry's own
 * block for the device (over {@code kmemu.device.<type>}'s defaults when a plugin ships them), and where
 * the entry is written. Whether the base is a legal place is boot's question (it needs the memory map).
 *
 * @param type   the device type id
 * @param base   the window's first physical address
 * @param config the block the device type reads
 * @param origin {@code file:line} of the entry
 * @param index  its position in the list, for messages ({@code kmemu.devices[0]})
 */
public record DeviceSpec(String type, long base, ConfigView config, String origin, int index) {

    /** @return the entry's name in messages, e.g. {@code kmemu.devices[0]} */
    public String key() {
        return "kmemu.devices[" + index + "]";
    }

    /**
     * @param config the resolved configuration
     * @return the entries, in the order written
     * @throws ConfigException for an entry that is not a block, or without a type or base, naming its file and line
     */
    public static List<DeviceSpec> parse(ResolvedConfig config) {
        Config c = config.config();
        ConfigValue value = c.getValue("kmemu.devices");
        if (!(value instanceof ConfigList list)) {
            throw config.view("kmemu").error("devices",
                    TypesafeConfigView.render(value) + " (expected: a list of { type = uart, base = 0xfed00000 })");
        }
        List<DeviceSpec> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            ConfigValue entry = list.get(i);
            String where = Origins.describe(entry.origin());
            String key = "kmemu.devices[" + i + "]";
            if (!(entry instanceof ConfigObject obj)) {
                throw new ConfigException(where + ": " + key + ": " + TypesafeConfigView.render(entry)
                        + " (expected: { type = uart, base = 0xfed00000 })");
            }
            Config block = obj.toConfig();
            if (!block.hasPath("type")) {
                throw new ConfigException(where + ": " + key + ": no type (expected: a device type id such as uart)");
            }
            if (!block.hasPath("base")) {
                throw new ConfigException(where + ": " + key + ": no base (expected: a physical address such as 0xfed00000)");
            }
            ConfigView own = new TypesafeConfigView(block, "", key);
            String type = own.getString("type");
            String defaults = "kmemu.device." + type;
            if (c.hasPath(defaults)) {
                block = block.withFallback(c.getConfig(defaults));
            }
            ConfigView view = new TypesafeConfigView(block, "", key);
            out.add(new DeviceSpec(type, own.getAddress("base"), view, where, i));
        }
        return List.copyOf(out);
    }
}
