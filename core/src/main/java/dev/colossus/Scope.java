package dev.colossus;

import java.util.ArrayList;
import java.util.List;

/**
 * Closes every tensor created inside it, on this thread, when it closes:
 * <pre>{@code
 * try (Scope scope = Scope.open()) {
 *     Tensor h = Ops.relu(Ops.matmul(x, w));
 *     result = scope.keep(Ops.softmax(h, -1));   // survives the scope
 * }                                              // h and the matmul result are closed here
 * }</pre>
 * Scopes nest; a kept tensor moves to the enclosing scope, or, at the outermost, to the caller.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private final Scope parent;
    private final Thread owner = Thread.currentThread();
    private final List<Tensor> tensors = new ArrayList<>();
    private boolean closed;

    private Scope(Scope parent) {
        this.parent = parent;
    }

    /** Opens a scope on this thread, nested in the current one if any. */
    public static Scope open() {
        Scope scope = new Scope(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    static void register(Tensor tensor) {
        Scope scope = CURRENT.get();
        if (scope != null) {
            scope.tensors.add(tensor);
        }
    }

    /** Lets {@code tensor} outlive this scope: it moves to the enclosing scope, or becomes the caller's to close. */
    public Tensor keep(Tensor tensor) {
        for (int i = tensors.size() - 1; i >= 0; i--) {
            if (tensors.get(i) == tensor) {
                tensors.remove(i);
                if (parent != null) {
                    parent.tensors.add(tensor);
                }
                return tensor;
            }
        }
        throw new IllegalArgumentException("scope: " + tensor + " was not created in this scope");
    }

    /** Closes every tensor created in this scope and not kept, newest first. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner || CURRENT.get() != this) {
            throw new IllegalStateException("scope: scopes close on the thread that opened them, innermost first");
        }
        closed = true;
        CURRENT.set(parent);
        for (int i = tensors.size() - 1; i >= 0; i--) {
            tensors.get(i).close();
        }
        tensors.clear();
    }
}
