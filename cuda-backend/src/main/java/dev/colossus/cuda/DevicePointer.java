package dev.colossus.cuda;

import jcuda.driver.CUdeviceptr;

/** A {@link CUdeviceptr} whose raw device address Colossus can read, for cuBLAS and kernel arguments. */
final class DevicePointer extends CUdeviceptr {
    private static final DevicePointer NULL = new DevicePointer();

    private DevicePointer() {
    }

    private DevicePointer(DevicePointer base, long byteOffset) {
        super(base, byteOffset);
    }

    /** The device memory at {@code address}, as JCuda's copies take it. */
    static DevicePointer at(long address) {
        return NULL.plus(address);
    }

    /** The device address, byte offset included; 0 before the driver filled it in. */
    long address() {
        return getNativePointer() + getByteOffset();
    }

    /** The same allocation, {@code bytes} further on. */
    DevicePointer plus(long bytes) {
        return new DevicePointer(this, bytes);
    }
}
