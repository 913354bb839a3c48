package dev.colossus.cuda;

import dev.colossus.Backends;

/**
 * Run by {@link ModulePathTest} in a JVM whose module path holds core, this module (patched with the
 * test classes), JCuda and its natives: says which module it runs in, what the backends are, and how
 * loading JCuda's driver binding ended.
 */
public final class ModulePathMain {
    private ModulePathMain() {
    }

    public static void main(String[] args) {
        System.out.println("module " + ModulePathMain.class.getModule().getName());
        System.out.println("jcuda in " + jcuda.LibUtils.class.getModule().getName());
        System.out.println(Backends.describe());
        try {
            JCudaNatives.load();
            System.out.println("loaded");
        } catch (IllegalStateException e) {
            System.out.println("failed: " + e.getMessage());
        }
    }
}
