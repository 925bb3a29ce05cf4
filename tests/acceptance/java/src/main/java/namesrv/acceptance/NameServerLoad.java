package namesrv.acceptance;

import java.io.File;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;

/**
 * A client that keeps calling the name servers, for measuring what restarting them costs it:
 * a producer (polling routes every POLL_MS instead of every 30 s) sends one message every
 * SEND_MS, and a second thread asks the name servers for TOPIC's route every QUERY_MS through
 * the same client instance (MQClientAPIImpl.getTopicRouteInfoFromNameServer, the call the
 * client's own route poll makes). Nothing is retried by this program: every exception is a
 * failed call, printed with its time and cause. Whenever the name server the client talks to
 * changes, prints "NAMESRV <epoch ms> <address>" (read from the remoting client's private
 * namesrvAddrChoosed field; nothing is printed if that field cannot be read). Runs until
 * STOP_FILE exists or MAX_SECONDS pass, then prints ROUTE_OK, ROUTE_FAIL, SEND_OK, SEND_FAIL
 * and one FAILURE_KIND line per kind of failure.
 */
public final class NameServerLoad {
    private static final Map<String, Integer> KINDS = new TreeMap<>();

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println(
                    "usage: NameServerLoad NAMESRV TOPIC QUERY_MS SEND_MS POLL_MS STOP_FILE MAX_SECONDS");
            System.exit(2);
        }
        String namesrv = args[0];
        String topic = args[1];
        long queryMs = Long.parseLong(args[2]);
        long sendMs = Long.parseLong(args[3]);
        int pollMs = Integer.parseInt(args[4]);
        File stopFile = new File(args[5]);
        long deadline = System.currentTimeMillis() + Long.parseLong(args[6]) * 1000;

        DefaultMQProducer producer = new DefaultMQProducer("goaway_measure_producer");
        producer.setNamesrvAddr(namesrv);
        producer.setPollNameServerInterval(pollMs);
        producer.setSendMsgTimeout(3000);
        producer.start();
        MQClientAPIImpl api = producer.getDefaultMQProducerImpl().getMqClientFactory()
                .getMQClientAPIImpl();

        AtomicReference<?> chosen = chosenNameServer(api.getRemotingClient());
        AtomicLong routeOk = new AtomicLong();
        AtomicLong routeFail = new AtomicLong();
        Thread queries = new Thread(() -> {
            Object last = null;
            while (!stopFile.exists() && System.currentTimeMillis() < deadline) {
                try {
                    api.getTopicRouteInfoFromNameServer(topic, 3000);
                    routeOk.incrementAndGet();
                } catch (Exception e) {
                    routeFail.incrementAndGet();
                    failed("route", e);
                } catch (Throwable t) {
                    failed("route", t);
                    routeFail.incrementAndGet();
                }
                Object now = chosen == null ? null : chosen.get();
                if (now != null && !now.equals(last)) {
                    System.out.println("NAMESRV " + System.currentTimeMillis() + " " + now);
                    last = now;
                }
                sleep(queryMs);
            }
        }, "route-queries");
        System.out.println("started " + LocalTime.now());
        queries.start();

        long sendOk = 0;
        long sendFail = 0;
        int i = 0;
        while (!stopFile.exists() && System.currentTimeMillis() < deadline) {
            Message msg = new Message(topic, "measure",
                    ("measure-" + i++).getBytes(StandardCharsets.UTF_8));
            try {
                SendResult result = producer.send(msg);
                if (result.getSendStatus() == SendStatus.SEND_OK) {
                    sendOk++;
                } else {
                    sendFail++;
                    System.out.println("FAIL send " + LocalTime.now() + " " + result.getSendStatus());
                }
            } catch (Exception e) {
                sendFail++;
                failed("send", e);
            }
            sleep(sendMs);
        }
        queries.join();
        producer.shutdown();
        System.out.println("ROUTE_OK " + routeOk.get());
        System.out.println("ROUTE_FAIL " + routeFail.get());
        System.out.println("SEND_OK " + sendOk);
        System.out.println("SEND_FAIL " + sendFail);
        synchronized (KINDS) {
            for (Map.Entry<String, Integer> kind : KINDS.entrySet()) {
                System.out.println("FAILURE_KIND " + kind.getValue() + " " + kind.getKey());
            }
        }
        System.exit(0);
    }

    /** The remoting client's choice of name server, or null if it cannot be read. */
    private static AtomicReference<?> chosenNameServer(Object remotingClient) {
        try {
            Field field = remotingClient.getClass().getDeclaredField("namesrvAddrChoosed");
            field.setAccessible(true);
            return (AtomicReference<?>) field.get(remotingClient);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.out.println("cannot follow the chosen name server: " + e);
            return null;
        }
    }

    /** Prints a failure with its causes and counts it under its kind (what, classes, GO_AWAY). */
    private static void failed(String what, Throwable e) {
        StringBuilder chain = new StringBuilder();
        StringBuilder kind = new StringBuilder(what);
        boolean goAway = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(" | ").append(t);
            kind.append(' ').append(t.getClass().getSimpleName());
            goAway |= String.valueOf(t.getMessage()).contains("GO_AWAY");
            if (t.getCause() == t) {
                break;
            }
        }
        if (goAway) {
            kind.append(" (GO_AWAY)");
        }
        synchronized (KINDS) {
            KINDS.merge(kind.toString(), 1, Integer::sum);
        }
        System.out.println("FAIL " + what + " " + LocalTime.now() + " "
                + System.currentTimeMillis() + chain);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
