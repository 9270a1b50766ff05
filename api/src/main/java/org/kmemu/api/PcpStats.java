package org.kmemu.api;

/**
 * One CPU's per-CPU page list for one zone, as /proc/zoneinfo prints it under "pagesets".
 *
 * @param cpu     the CPU number
 * @param count   pages on the list now
 * @param high    the current high mark: above it, a batch goes back to the buddy lists
 * @param batch   how many pages move between the list and the buddy lists at once
 * @param highMin the lowest value {@code high} may take
 * @param highMax the highest value {@code high} may take
 */
public record PcpStats(int cpu, int count, int high, int batch, int highMin, int highMax) {
}
