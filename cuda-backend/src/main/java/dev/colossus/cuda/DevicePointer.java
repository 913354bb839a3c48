package dev.colossus.cuda;

import jcuda.driver.CUdeviceptr;

/** A {@link CUdeviceptr} whose raw device address Colossus can read, for cuBLAS and kernel arguments. */
final class DevicePointer extends CUdeviceptr {
    DevicePointer() {
    }

    private DevicePointer(DevicePointer base, long byteOffset) {
        super(base, byteOffset);
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
