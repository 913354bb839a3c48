package dev.colossus;

import dev.colossus.spi.Operand;

/** The argument checks every op in {@link Ops} starts with; each names the op in its message. */
final class OpChecks {
    private OpChecks() {
    }

    static Operand open(String op, Tensor t) {
        if (t == null) {
            throw new NullPointerException(op + ": tensor argument is null");
        }
        return t.operand(op);
    }

    static Device sameDevice(String op, Operand first, Operand... rest) {
        Device device = first.storage().device();
        for (Operand o : rest) {
            if (!o.storage().device().equals(device)) {
                throw new IllegalArgumentException(op + ": operands on different devices: " + first.describe() + " and "
                        + o.describe() + "; move one with to(Device)");
            }
        }
        return device;
    }

    static DType sameDType(String op, Operand a, Operand b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.describe() + " and " + b.describe()
                    + "; cast one with to(DType)");
        }
        return a.dtype();
    }

    static void requireFloating(String op, Operand x) {
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": " + x.describe() + ": dtype " + x.dtype()
                    + " is not floating point; cast with to(DType.F32)");
        }
    }
}
