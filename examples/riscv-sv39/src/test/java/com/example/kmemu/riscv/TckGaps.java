package com.example.kmemu.riscv;

import java.util.Map;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The TCK tests (kmemu-tck 1.0.0) that assume something the riscv64 kernel does differently, skipped with
 * the reason printed in the test report. Each rule is checked the riscv way in this project's own tests
 * (named below). Remove an entry once the TCK stops assuming it.
 */
final class TckGaps implements ExecutionCondition {
    private static final Map<String, String> GAPS = Map.of(
            "paAndVaAreInverseOnLowmemAndRefuseTheRest",
            "the TCK calls __va(0); riscv's linear map starts at phys_ram_base (0x80000000 on QEMU virt), there is no RAM at 0"
                    + " (checked in Sv39LayoutTest.theLinearMapStartsAtTheFirstByteOfRamNotAtPhysicalZero)",
            "theDirectMapTranslatesToWhatPaSays",
            "the TCK stores through __va(0x101230), physical memory below RAM on riscv"
                    + " (checked in RiscvMmuTest through the linear map of RAM at 0x80000000)",
            "layoutIsOrderedAsTheKernelOrdersIt",
            "the TCK expects high_memory <= VMALLOC_START; on riscv vmalloc lies below PAGE_OFFSET (vm-layout.rst)"
                    + " (checked in Sv39LayoutTest.areasAreTheDocumentsRows)",
            "bootMappingsCoverTheDirectMapAndTheTlbIsSized",
            "the TCK expects PAGE_OFFSET itself mapped; OpenSBI's no-map region keeps phys_ram_base out of riscv's linear map"
                    + " (checked in Sv39WalkTest.theLinearMapIsMegapagesWith4KibPagesAtTheFirmwareHole)");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason = context.getTestMethod().map(m -> GAPS.get(m.getName())).orElse(null);
        return reason == null ? ConditionEvaluationResult.enabled("a contract riscv64 keeps")
                : ConditionEvaluationResult.disabled("TCK assumption not true of riscv64: " + reason);
    }
}
