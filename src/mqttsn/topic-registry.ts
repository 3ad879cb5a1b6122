/**
 * Topic names and the ids that stand for them on the wire (MQTT-SN 3.2, 5.3.11):
 * normal ids the gateway assigns (through REGISTER/REGACK in either direction, or a
 * SUBACK), predefined ids both sides know from configuration, and short names that
 * travel as their own two bytes. Normal ids belong to one session with one gateway;
 * predefined ones never change.
 */
import { ProtocolError } from "../common/errors";
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

	/** `predefined`: topic name -> id, ids 1-65534 (the same table the gateway is configured with). */
	constructor(predefined: Readonly<Record<string, number>> = {}) {
		for (const name of Object.keys(predefined)) {
			const id = predefined[name];
			if (!Number.isInteger(id) || id < 1 || id > 0xfffe || this.#predefinedById.has(id))
				throw new ProtocolError("INVALID_TOPIC", "predefined topic ids are distinct, from 1 to 65534 (0x0000 and 0xFFFF are reserved)");
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

	/** A normal id assigned by the gateway (REGACK, SUBACK, or its own REGISTER). */
	register(name: string, topicId: number): void {
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
