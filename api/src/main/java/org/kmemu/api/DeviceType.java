package org.kmemu.api;

/**
 * A kind of device a machine can have on its physical bus (a UART, a frame buffer, a DMA engine): the
 * factory of {@link Device} instances. A config places instances by type id and base address:
 * <pre>
 * kmemu.devices = [ { type = uart, base = 0xfed00000, fifo-depth = 16 } ]
 * </pre>
 * The host checks the placement (inside a hole or a reserved range of the memory map, over no RAM and no
 * other device) and calls {@link #create} with the entry's own block.
 *
 * <p><b>Who calls it.</b> The host, on the main thread before boot, once per placed instance.
 *
 * <p><b>Failure.</b> A bad value in the block is a {@link ConfigException} made with
 * {@link ConfigView#error}, which names the file and line.
 *
 * @since 1.2
 */
@ExtensionPointInfo(what = "device type", selectedBy = "kmemu.devices[].type")
public interface DeviceType extends KmemuExtension {

    /**
     * @param config the device's entry of {@code kmemu.devices}; {@code type} and {@code base} are the
     *               host's, every other key is the device's (missing ones take the device's defaults)
     * @return a new device instance
     * @throws ConfigException for a bad value, naming its file and line
     * @since 1.2
     */
    Device create(ConfigView config);
}
