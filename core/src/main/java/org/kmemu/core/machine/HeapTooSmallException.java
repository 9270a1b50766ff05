package org.kmemu.core.machine;

/**
 * The JVM's heap ({@code -Xmx}) is smaller than what the machine is estimated to need
 * ({@link HeapBudget}), so boot refused it before allocating anything. The message is one line for a
 * user: how much the machine needs, how much this JVM has, and how to give it more
 * ({@code KMEMU_JAVA_OPTS=-Xmx…} for the launcher, {@code java -Xmx…} when embedding). The command line
 * prints it and exits 1.
 *
 * <p>Not a {@link org.kmemu.api.ConfigException}: the config is valid, and the same file boots in a
 * JVM with more heap. Not an {@link OutOfMemoryError} either: nothing ran out, and an application
 * embedding kmemu can catch this and carry on.
 */
public final class HeapTooSmallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long neededBytes;
    private final long maxHeapBytes;

    /**
     * @param message      the user-facing line
     * @param neededBytes  the estimate
     * @param maxHeapBytes {@code Runtime.maxMemory()} of this JVM
     */
    public HeapTooSmallException(String message, long neededBytes, long maxHeapBytes) {
        super(message);
        this.neededBytes = neededBytes;
        this.maxHeapBytes = maxHeapBytes;
    }

    /** @return the heap the machine is estimated to need, in bytes */
    public long neededBytes() {
        return neededBytes;
    }

    /** @return the most heap this JVM may use ({@code Runtime.maxMemory()}), in bytes */
    public long maxHeapBytes() {
        return maxHeapBytes;
    }
}
