package io.alignstream.scorer.http;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Fans metric updates out to the open Server-Sent Events connections. Each connection has its
 * own bounded queue; a client too slow to keep up with 10,000 pending events is dropped (it
 * reconnects and gets a fresh snapshot) rather than holding memory or slowing the feed.
 */
public final class EventHub {

  /** One SSE message: the event name and its JSON data. */
  record Event(String name, String data) {}

  static final int QUEUE_LIMIT = 10_000;

  private final List<BlockingQueue<Event>> subscribers = new CopyOnWriteArrayList<>();

  BlockingQueue<Event> subscribe() {
    BlockingQueue<Event> queue = new LinkedBlockingQueue<>(QUEUE_LIMIT);
    subscribers.add(queue);
    return queue;
  }

  void unsubscribe(BlockingQueue<Event> queue) {
    subscribers.remove(queue);
  }

  void publish(Event event) {
    for (BlockingQueue<Event> queue : subscribers) {
      if (!queue.offer(event)) {
        subscribers.remove(queue);
        queue.clear();
        queue.offer(new Event("overflow", "{}")); // tells the connection to close
      }
    }
  }

  int subscribers() {
    return subscribers.size();
  }
}
