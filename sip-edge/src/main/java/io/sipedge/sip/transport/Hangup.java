package io.sipedge.sip.transport;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP, the signal daemons reload on (what certbot's deploy hooks and {@code systemctl reload}
 * send). One handler for the process, installed when the first listener is added, that runs every
 * listener; the listeners must only hand the work to their own thread.
 *
 * <p>Java has no public API for signals. {@code sun.misc.Signal} (module jdk.unsupported, exported
 * on purpose for this kind of use) is reached by reflection so that the build stays free of its
 * "internal proprietary API" warning. Where it is missing, or the JVM keeps SIGHUP for itself
 * ({@code -Xrs}), the edge says so once and polling the files still reloads them. Once installed,
 * SIGHUP no longer stops the JVM (its default): the edge is stopped with SIGTERM.
 */
final class Hangup {
    private static final Logger log = LoggerFactory.getLogger(Hangup.class);
    private static final Set<Runnable> LISTENERS = new CopyOnWriteArraySet<>();
    private static boolean installed;
    private static boolean unavailable;

    private Hangup() {
    }

    static synchronized void add(Runnable listener) {
        LISTENERS.add(listener);
        if (!installed && !unavailable) {
            try {
                install();
                installed = true;
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                unavailable = true;
                log.info("SIGHUP cannot be handled here ({}); the TLS files are still reloaded when they change",
                        e instanceof java.lang.reflect.InvocationTargetException i ? i.getCause() : e.toString());
            }
        }
    }

    static void remove(Runnable listener) {
        LISTENERS.remove(listener);
    }

    private static void install() throws ReflectiveOperationException {
        Class<?> signal = Class.forName("sun.misc.Signal");
        Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
        InvocationHandler dispatch = (Object proxy, Method m, Object[] args) -> switch (m.getName()) {
            case "handle" -> {
                fire();
                yield null;
            }
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "sip-edge SIGHUP handler";
            default -> null;
        };
        Object handler = Proxy.newProxyInstance(Hangup.class.getClassLoader(), new Class<?>[] {handlerType}, dispatch);
        Object hup = signal.getConstructor(String.class).newInstance("HUP");
        signal.getMethod("handle", signal, handlerType).invoke(null, hup, handler);
    }

    private static void fire() {
        if (LISTENERS.isEmpty()) {
            log.info("SIGHUP: nothing to reload");
        }
        for (Runnable r : LISTENERS) {
            r.run();
        }
    }
}
