package dev.colossus;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * Closes every tensor created inside it, on this thread, when it closes:
 * <pre>{@code
 * try (Scope scope = Scope.open()) {
 *     Tensor h = Ops.relu(Ops.matmul(x, w));
 *     result = scope.keep(Ops.softmax(h, -1));   // survives the scope
 * }                                              // h and the matmul result are closed here
 * }</pre>
 * Scopes nest; a kept tensor moves to the enclosing scope, or, at the outermost, to the caller. A
 * scope holds only the tensors still open: one closed early leaves it at once, so a long-lived scope
 * around a loop that closes what it makes does not grow.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private final Scope parent;
    private final Thread owner = Thread.currentThread();
    /** Open tensors made here, oldest first; guarded by this, since a tensor may be closed on any thread. */
    private final LinkedHashSet<Tensor> tensors = new LinkedHashSet<>();
    private boolean closed;

    private Scope(Scope parent) {
        this.parent = parent;
    }

    /**
     * Opens a scope on this thread, nested in the current one if any.
     *
     * @return the scope, to close (try-with-resources)
     */
    public static Scope open() {
        Scope scope = new Scope(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /** The current scope of this thread, which {@code tensor} joins; null when there is none. */
    static Scope register(Tensor tensor) {
        Scope scope = CURRENT.get();
        if (scope != null) {
            scope.add(tensor);
        }
        return scope;
    }

    private synchronized void add(Tensor tensor) {
        tensors.add(tensor);
    }

    /** Called when {@code tensor} closes: this scope no longer holds it. */
    synchronized void forget(Tensor tensor) {
        tensors.remove(tensor);
    }

    /** How many open tensors this scope holds. */
    synchronized int size() {
        return tensors.size();
    }

    /**
     * Lets {@code tensor} outlive this scope: it moves to the enclosing scope, or becomes the caller's to close.
     *
     * @param tensor a tensor made in this scope
     * @return the same tensor
     */
    public Tensor keep(Tensor tensor) {
        synchronized (this) {
            if (!tensors.remove(tensor)) {
                throw new IllegalArgumentException("scope: " + tensor.describe() + " was not created in this scope, or is closed");
            }
        }
        tensor.movedTo(parent);
        if (parent != null) {
            parent.add(tensor);
        }
        return tensor;
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
        List<Tensor> open;
        synchronized (this) {
            open = List.copyOf(tensors.reversed());
            tensors.clear();
        }
        open.forEach(Tensor::close);
    }
}
