package namesrv.acceptance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Consumes TOPIC from its first offset until it has seen the COUNT distinct bodies
 * "acceptance-0".."acceptance-(COUNT-1)", or fails after TIMEOUT seconds. With REQUIRED_FILE
 * (one message index a line) it waits for exactly those bodies instead, whatever else it sees:
 * the messages a producer saw acknowledged while brokers failed, when others may or may not
 * have been stored.
 */
public final class Consume {
    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 6) {
            System.err.println(
                    "usage: Consume NAMESRV TOPIC GROUP COUNT TIMEOUT_SECONDS [REQUIRED_FILE]");
            System.exit(2);
        }
        String namesrv = args[0];
        String topic = args[1];
        String group = args[2];
        int count = Integer.parseInt(args[3]);
        int timeout = Integer.parseInt(args[4]);
        Set<String> required = new HashSet<>();
        if (args.length == 6) {
            for (String line : Files.readAllLines(Paths.get(args[5]))) {
                if (!line.isBlank()) {
                    required.add("acceptance-" + line.trim());
                }
            }
        } else {
            for (int i = 0; i < count; i++) {
                required.add("acceptance-" + i);
            }
        }
        Set<String> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch done = new CountDownLatch(1);
        MessageListenerConcurrently listener = (msgs, context) -> {
            for (MessageExt m : msgs) {
                String body = new String(m.getBody(), StandardCharsets.UTF_8);
                if (body.startsWith("acceptance-") && seen.add(body)) {
                    System.out.println("received " + body + " from " + m.getBrokerName());
                }
            }
            if (seen.containsAll(required)) {
                done.countDown();
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        };
        // The application's own retry: with some name servers down, the client's first
        // route query can land on a dead one and fail start(); the next picks another.
        DefaultMQPushConsumer consumer = null;
        for (int attempt = 1; consumer == null; attempt++) {
            DefaultMQPushConsumer candidate = new DefaultMQPushConsumer(group);
            candidate.setNamesrvAddr(namesrv);
            // A fresh client instance per attempt starts its name-server choice afresh.
            candidate.setInstanceName("consume-" + attempt);
            candidate.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
            candidate.subscribe(topic, "*");
            candidate.registerMessageListener(listener);
            try {
                candidate.start();
                consumer = candidate;
            } catch (Exception e) {
                System.out.println("start attempt " + attempt + " failed: " + e);
                candidate.shutdown();
                if (attempt >= 30) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
        boolean ok = done.await(timeout, TimeUnit.SECONDS);
        consumer.shutdown();
        Set<String> missing = new HashSet<>(required);
        missing.removeAll(seen);
        System.out.println("RECEIVED " + seen.size() + "/" + count);
        System.out.println("MISSING " + missing.size() + " " + missing);
        System.exit(ok ? 0 : 1);
    }
}
