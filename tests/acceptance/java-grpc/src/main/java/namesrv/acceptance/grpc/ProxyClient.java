package namesrv.acceptance.grpc;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.consumer.ConsumeResult;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.FilterExpressionType;
import org.apache.rocketmq.client.apis.consumer.PushConsumer;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.Message;
import org.apache.rocketmq.client.apis.message.MessageBuilder;
import org.apache.rocketmq.client.apis.message.MessageView;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.apache.rocketmq.client.apis.producer.SendReceipt;

/**
 * The RocketMQ 5 gRPC client (rocketmq-client-java) through a proxy at ENDPOINT: a consumer of
 * GROUP starts first, then a producer sends COUNT messages "<run>-<i>" to TOPIC, one every
 * INTERVAL_MS, and the program waits up to TIMEOUT_SECONDS for the consumer to have every one.
 *
 * KIND picks the message type the topic was made for:
 *   normal  a push consumer;
 *   fifo    every message in one message group, a simple consumer (receive + ack) whose group
 *           must be orderly: the messages must arrive in the order sent;
 *   delay   each message due DELAY_MS (5000) after it is sent, a push consumer: none may
 *           arrive before it is due.
 *
 * Prints "sent <i> <messageId>" per message (a test watches these to act mid-run) and
 * "SENT n/COUNT", "RECEIVED n/COUNT" at the end; exit 0 when every message arrived as its kind
 * requires. Failed calls are retried by this program (printing "... failed: ..."), the
 * application's own policy on top of the client's.
 */
public final class ProxyClient {
    private static final long DELAY_MS = 5000;
    /** Arrival before due time tolerated for delay messages: the broker's timer precision. */
    private static final long DELAY_SLACK_MS = 1000;

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println(
                "usage: ProxyClient ENDPOINT normal|fifo|delay TOPIC GROUP COUNT INTERVAL_MS TIMEOUT_SECONDS");
            System.exit(2);
        }
        String endpoint = args[0];
        String kind = args[1];
        String topic = args[2];
        String group = args[3];
        int count = Integer.parseInt(args[4]);
        long intervalMs = Long.parseLong(args[5]);
        long deadline = System.currentTimeMillis() + 1000L * Integer.parseInt(args[6]);
        if (!kind.equals("normal") && !kind.equals("fifo") && !kind.equals("delay")) {
            System.err.println("ProxyClient: unknown kind " + kind);
            System.exit(2);
        }
        String run = UUID.randomUUID().toString().substring(0, 8);

        ClientServiceProvider provider = ClientServiceProvider.loadService();
        ClientConfiguration config = ClientConfiguration.newBuilder()
            .setEndpoints(endpoint)
            .enableSsl(false)
            .setRequestTimeout(Duration.ofSeconds(5))
            .build();
        Map<String, FilterExpression> subscription =
            Collections.singletonMap(topic, new FilterExpression("*", FilterExpressionType.TAG));

        // Bodies seen, in arrival order (FIFO checks the order), and when each arrived.
        List<String> arrivals = Collections.synchronizedList(new ArrayList<>());
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Map<String, Long> dueAt = new ConcurrentHashMap<>();
        List<String> early = Collections.synchronizedList(new ArrayList<>());
        // Delay messages: how long after sending each arrived.
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();

        PushConsumer push = null;
        SimpleConsumer simple = null;
        Thread receiver = null;
        if (kind.equals("fifo")) {
            simple = retry("simple consumer start", deadline, () -> provider.newSimpleConsumerBuilder()
                .setClientConfiguration(config)
                .setConsumerGroup(group)
                .setAwaitDuration(Duration.ofSeconds(5))
                .setSubscriptionExpressions(subscription)
                .build());
            SimpleConsumer consumer = simple;
            receiver = new Thread(() -> {
                while (!stop.get() && System.currentTimeMillis() < deadline) {
                    try {
                        for (MessageView view : consumer.receive(16, Duration.ofSeconds(15))) {
                            String body = StandardCharsets.UTF_8.decode(view.getBody()).toString();
                            if (body.startsWith(run + "-")) {
                                arrivals.add(body);
                                if (seen.add(body)) {
                                    System.out.println("received " + body + " group "
                                        + view.getMessageGroup().orElse("-"));
                                }
                            }
                            consumer.ack(view);
                        }
                    } catch (Exception e) {
                        if (!stop.get()) {
                            System.out.println("receive failed: " + e);
                            sleep(1000);
                        }
                    }
                }
            });
            receiver.start();
        } else {
            push = retry("push consumer start", deadline, () -> provider.newPushConsumerBuilder()
                .setClientConfiguration(config)
                .setConsumerGroup(group)
                .setSubscriptionExpressions(subscription)
                .setMessageListener(view -> {
                    String body = StandardCharsets.UTF_8.decode(view.getBody()).toString();
                    if (body.startsWith(run + "-") && seen.add(body)) {
                        long now = System.currentTimeMillis();
                        Long due = dueAt.get(body);
                        if (due != null && now < due - DELAY_SLACK_MS) {
                            early.add(body + " (" + (due - now) + " ms early)");
                        }
                        arrivals.add(body);
                        if (due != null) {
                            latencies.add(now - due + DELAY_MS);
                        }
                        System.out.println("received " + body
                            + (due == null ? "" : " " + (now - due + DELAY_MS) + " ms after sending"));
                    }
                    return ConsumeResult.SUCCESS;
                })
                .build());
        }

        Producer producer = retry("producer start", deadline, () -> provider.newProducerBuilder()
            .setClientConfiguration(config)
            .setTopics(topic)
            .setMaxAttempts(3)
            .build());
        int sent = 0;
        for (int i = 0; i < count && System.currentTimeMillis() < deadline; i++) {
            String body = run + "-" + i;
            MessageBuilder builder = provider.newMessageBuilder()
                .setTopic(topic)
                .setTag("proxy")
                .setKeys(body)
                .setBody(body.getBytes(StandardCharsets.UTF_8));
            if (kind.equals("fifo")) {
                builder.setMessageGroup("proxy-fifo-" + run);
            }
            if (kind.equals("delay")) {
                long due = System.currentTimeMillis() + DELAY_MS;
                dueAt.put(body, due);
                builder.setDeliveryTimestamp(due);
            }
            Message message = builder.build();
            SendReceipt receipt = retry("send " + i, deadline, () -> producer.send(message));
            sent++;
            System.out.println("sent " + i + " " + receipt.getMessageId());
            if (intervalMs > 0) {
                sleep(intervalMs);
            }
        }
        System.out.println("SENT " + sent + "/" + count);

        while (seen.size() < count && System.currentTimeMillis() < deadline) {
            sleep(100);
        }
        stop.set(true);
        System.out.println("RECEIVED " + seen.size() + "/" + count);
        boolean ok = sent == count && seen.size() == count;
        if (kind.equals("fifo")) {
            // First arrivals must be 0, 1, 2, ... (a redelivery may repeat one, never skip ahead).
            List<String> firsts = new ArrayList<>();
            synchronized (arrivals) {
                for (String body : arrivals) {
                    if (!firsts.contains(body)) {
                        firsts.add(body);
                    }
                }
            }
            boolean inOrder = true;
            for (int i = 0; i < firsts.size(); i++) {
                inOrder &= firsts.get(i).equals(run + "-" + i);
            }
            System.out.println("IN_ORDER " + inOrder);
            ok &= inOrder;
        }
        if (kind.equals("delay")) {
            synchronized (latencies) {
                System.out.println("ARRIVED_AFTER_MS "
                    + (latencies.isEmpty() ? "-" : Collections.min(latencies) + ".." + Collections.max(latencies)));
            }
            System.out.println("EARLY " + early.size() + " " + early);
            ok &= early.isEmpty();
        }
        // Closing can wait on the proxy (e.g. for the long poll in flight); the outcome is known.
        Thread closer = new Thread(() -> {
            try {
                producer.close();
            } catch (Exception ignored) {
                // outcome already decided
            }
        });
        closer.setDaemon(true);
        closer.start();
        closer.join(5000);
        System.exit(ok ? 0 : 1);
    }

    interface Call<T> {
        T call() throws Exception;
    }

    /** Retries `call` once a second until it succeeds or the deadline passes. */
    private static <T> T retry(String what, long deadline, Call<T> call) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (Exception e) {
                System.out.println(what + " attempt " + attempt + " failed: " + e);
                if (System.currentTimeMillis() + 1000 > deadline) {
                    throw e;
                }
                sleep(1000);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
