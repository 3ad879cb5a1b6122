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
import { ProtocolError } from "../common/errors";
import * as sn from "./packet";
import { TopicIdType } from "./packet";
import { isShortTopicName } from "./short-topic";

/** A topic as PUBLISH carries it. */
export interface TopicId {
	readonly topicIdType: TopicIdType;
	readonly topicId: number;
}

export class TopicRegistry {
	/** Predefined names and ids, both ways (no maps without any). A name may also have a registered id. */
	private declare readonly predefined: Map<string, TopicId> | undefined;
	private declare readonly predefinedNames: Map<number, string> | undefined;
	/** Registered (normal) ids, both ways, oldest first. */
	private declare readonly byName: Map<string, TopicId>;
	private declare readonly byId: Map<number, string>;
	declare readonly capacity: number;

	/** `predefined`: topic name -> id, ids 1-65534 (the same table the gateway is configured with). */
	constructor(predefined: Readonly<Record<string, number>> = {}, capacity = 64) {
		this.capacity = capacity;
		this.byName = new Map();
		this.byId = new Map();
		const names = Object.keys(predefined);
		if (names.length === 0) return;
		const byName = (this.predefined = new Map());
		const byId = (this.predefinedNames = new Map());
		for (let i = 0; i < names.length; i++) {
			const name = names[i];
			const id = predefined[name];
			if (!Number.isInteger(id) || id < 1 || id > 0xfffe || byId.has(id)) throw new ProtocolError("INVALID_TOPIC", "predefined ids: distinct, 1 to 65534");
			byName.set(name, { topicIdType: TopicIdType.PREDEFINED, topicId: id });
			byId.set(id, name);
		}
	}

	/** How `name` travels without registering, if it can: predefined first, then as a short name. */
	fixedId(name: string): TopicId | undefined {
		const predefined = this.predefined?.get(name);
		if (predefined) return predefined;
		if (isShortTopicName(name)) return { topicIdType: TopicIdType.SHORT, topicId: sn.shortTopicId(name) };
		return;
	}

	/** How `name` travels now, or undefined while it needs a REGISTER. */
	idOf(name: string): TopicId | undefined {
		// Registered first: the hot path of a client publishing to its own topics.
		return this.byName.get(name) ?? this.fixedId(name);
	}

	/** The name behind an id that arrived in a PUBLISH, or undefined when it is unknown. */
	nameOf(topicIdType: TopicIdType, topicId: number): string | undefined {
		if (topicIdType === TopicIdType.SHORT) return sn.shortTopicName(topicId);
		return topicIdType === TopicIdType.PREDEFINED ? this.predefinedNames?.get(topicId) : this.byId.get(topicId);
	}

	/** Registered ids held. */
	get size(): number {
		return this.byId.size;
	}

	/** A peer's REGISTER: false, with nothing stored, for a new name and id while full. */
	accept(name: string, topicId: number): boolean {
		if (this.byId.size >= this.capacity && !this.byId.has(topicId) && !this.byName.has(name)) return false;
		this.register(name, topicId);
		return true;
	}

	/** A normal id assigned by the gateway (REGACK, SUBACK); full, the oldest is forgotten. */
	register(name: string, topicId: number): void {
		const known = this.byName.get(name);
		if (known) this.forget(known.topicId);
		this.forget(topicId);
		if (this.byId.size >= this.capacity) this.forget(this.byId.keys().next().value as number);
		this.byName.set(name, { topicIdType: TopicIdType.NORMAL, topicId });
		this.byId.set(topicId, name);
	}

	/** The gateway said "invalid topic id": register again before the next use. */
	forget(topicId: number): void {
		const name = this.byId.get(topicId);
		if (name === void 0) return;
		this.byId.delete(topicId);
		this.byName.delete(name);
	}

	/** A new session (clean, or another gateway): normal ids are void. */
	clear(): void {
		this.byId.clear();
		this.byName.clear();
	}

	/** Normal registrations, for the durable state. */
	registrations(): { readonly topicId: number; readonly topicName: string }[] {
		const out: { topicId: number; topicName: string }[] = [];
		this.byId.forEach((topicName, topicId) => out.push({ topicId, topicName }));
		return out;
	}
}
