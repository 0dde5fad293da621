import type { TopicEvent } from "../domain/ports.js";
import type { Topic } from "../domain/topic.js";

type Listener = (event: TopicEvent) => void;

/** Per-topic listener sets of one node; shared by both broker implementations. */
export class TopicListeners {
  readonly #byTopic = new Map<Topic, Set<Listener>>();

  /** Returns true when this is the topic's first listener on this node. */
  add(topic: Topic, listener: Listener): boolean {
    let set = this.#byTopic.get(topic);
    const first = set === undefined;
    if (!set) this.#byTopic.set(topic, (set = new Set()));
    set.add(listener);
    return first;
  }

  /** Returns true when that was the topic's last listener on this node. */
  remove(topic: Topic, listener: Listener): boolean {
    const set = this.#byTopic.get(topic);
    if (!set?.delete(listener)) return false;
    if (set.size > 0) return false;
    this.#byTopic.delete(topic);
    return true;
  }

  /** Calls each listener; one throwing listener does not stop the others. */
  deliver(topic: Topic, event: TopicEvent, onError: (err: unknown) => void): void {
    const set = this.#byTopic.get(topic);
    if (!set) return;
    for (const l of set) {
      try {
        l(event);
      } catch (err) {
        onError(err);
      }
    }
  }

  /** The topics with at least one listener on this node. */
  topics(): Topic[] {
    return [...this.#byTopic.keys()];
  }
}
