/**
 * Topic names and the ids that stand for them on the wire (MQTT-SN 3.2, 5.3.11):
 * normal ids the gateway assigns (through REGISTER/REGACK in either direction, or a
 * SUBACK), predefined ids both sides know from configuration, and short names that
 * travel as their own two bytes. Normal ids belong to one session with one gateway;
 * predefined ones never change.
 *
 * Normal ids are capped (`capacity`), since a peer can register names without end. A
 * peer's REGISTER goes through `accept`, which refuses a new name once full (the caller
 * answers "rejected: congestion"); the ids this side asked for (`register`) make room
 * by forgetting the oldest, which is registered again when next used.
 */
import { ConfigError } from "../common/errors";
import { TOPIC_NORMAL, TOPIC_PREDEFINED, TOPIC_SHORT, isShortTopicName, shortTopicId, shortTopicName, type TopicIdType } from "./packet";

/** A topic as PUBLISH carries it. */
export interface TopicId {
	readonly topicIdType: TopicIdType;
	readonly topicId: number;
}

export class TopicRegistry {
	readonly #predefinedByName = new Map<string, number>();
	readonly #predefinedById = new Map<number, string>();
	readonly #idByName = new Map<string, number>();
	readonly #nameById = new Map<number, string>();
	readonly capacity: number;

	/** `predefined`: topic name -> id, ids 1-65534 (the same table the gateway is configured with). */
	constructor(predefined: Readonly<Record<string, number>> = {}, capacity = 64) {
		this.capacity = capacity;
		for (const name of Object.keys(predefined)) {
			const id = predefined[name];
			if (!Number.isInteger(id) || id < 1 || id > 0xfffe || this.#predefinedById.has(id))
				throw new ConfigError("predefinedTopics", "distinct topic ids from 1 to 65534");
			this.#predefinedByName.set(name, id);
			this.#predefinedById.set(id, name);
		}
	}

	/** How `name` travels without registering, if it can: predefined first, then as a short name. */
	fixedId(name: string): TopicId | undefined {
		const predefined = this.#predefinedByName.get(name);
		if (predefined !== undefined) return { topicIdType: TOPIC_PREDEFINED, topicId: predefined };
		if (isShortTopicName(name)) return { topicIdType: TOPIC_SHORT, topicId: shortTopicId(name) };
		return undefined;
	}

	/** How `name` travels now, or undefined while it needs a REGISTER. */
	idOf(name: string): TopicId | undefined {
		const fixed = this.fixedId(name);
		if (fixed) return fixed;
		const id = this.#idByName.get(name);
		return id === undefined ? undefined : { topicIdType: TOPIC_NORMAL, topicId: id };
	}

	/** The name behind an id that arrived in a PUBLISH, or undefined when it is unknown. */
	nameOf(topicIdType: TopicIdType, topicId: number): string | undefined {
		if (topicIdType === TOPIC_SHORT) return shortTopicName(topicId);
		if (topicIdType === TOPIC_PREDEFINED) return this.#predefinedById.get(topicId);
		return this.#nameById.get(topicId);
	}

	get size(): number {
		return this.#nameById.size;
	}

	/** A peer's REGISTER: false, with nothing stored, for a new name and id while full. */
	accept(name: string, topicId: number): boolean {
		if (this.#nameById.size >= this.capacity && !this.#nameById.has(topicId) && !this.#idByName.has(name)) return false;
		this.register(name, topicId);
		return true;
	}

	/** A normal id assigned by the gateway (REGACK, SUBACK); full, the oldest is forgotten. */
	register(name: string, topicId: number): void {
		const nameById = this.#nameById;
		if (nameById.size >= this.capacity && !nameById.has(topicId) && !this.#idByName.has(name)) this.forget(nameById.keys().next().value as number);
		const previous = this.#nameById.get(topicId);
		if (previous !== undefined) this.#idByName.delete(previous);
		const oldId = this.#idByName.get(name);
		if (oldId !== undefined) this.#nameById.delete(oldId);
		this.#idByName.set(name, topicId);
		this.#nameById.set(topicId, name);
	}

	/** The gateway said "invalid topic id": register again before the next use. */
	forget(topicId: number): void {
		const name = this.#nameById.get(topicId);
		if (name === undefined) return;
		this.#nameById.delete(topicId);
		this.#idByName.delete(name);
	}

	/** A new session (clean, or another gateway): normal ids are void. */
	clear(): void {
		this.#idByName.clear();
		this.#nameById.clear();
	}

	/** Normal registrations, for the durable state. */
	registrations(): { readonly topicId: number; readonly topicName: string }[] {
		const out: { topicId: number; topicName: string }[] = [];
		for (const [topicId, topicName] of this.#nameById) out.push({ topicId, topicName });
		return out;
	}
}
