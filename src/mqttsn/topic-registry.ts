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
 *
 * A topic id is one number, its TopicIdType above its two octets (`topicIdType` reads it,
 * testkit's `topicId` the octets; 0 is none: no topic travels as normal id 0x0000): no object per topic,
 * and a PUBLISH writes its TopicId octets from it as it is. Names and ids are held in
 * parallel arrays, searched with indexOf: on XS an array's items take no heap slots, a
 * Map entry takes three, and at these sizes (tens) a search is a few steps.
 */
import { ProtocolError } from "../common/errors";
import { TopicIdType } from "./packet";
import { isShortTopicName } from "./short-topic";

/** How a topic travels, as one number: its TopicIdType << 16 | its TopicId; 0 for none. */
export type TopicId = number;

export function topicIdType(id: TopicId): TopicIdType {
	return id >> 16;
}

/** A short topic name ("ab") as the two-byte topic id that carries it (5.3.11). */
export function shortTopicId(name: string): number {
	return (name.charCodeAt(0) << 8) | name.charCodeAt(1);
}

export class TopicRegistry {
	/** Predefined names and their ids, at the same index (absent without any). A name may also have a registered id. */
	private declare readonly predefinedNames: string[] | undefined;
	private declare readonly predefinedIds: number[] | undefined;
	/** Registered (normal) names and ids, at the same index, oldest first. */
	private declare readonly names: string[];
	private declare readonly ids: number[];
	/** Registered ids held at most (default 32): a field only when configured, a slot saved. */
	declare readonly capacity?: number;

	/** `predefined`: topic name -> id, ids 1-65534 (the same table the gateway is configured with). */
	constructor(predefined: Readonly<Record<string, number>> = {}, capacity?: number) {
		if (capacity !== void 0) this.capacity = capacity;
		this.names = [];
		this.ids = [];
		const names = Object.keys(predefined);
		if (names.length === 0) return;
		const ids: number[] = [];
		for (let i = 0; i < names.length; i++) {
			const id = predefined[names[i]];
			if (!Number.isInteger(id) || id < 1 || id > 0xfffe || ids.indexOf(id) >= 0) throw new ProtocolError("INVALID_TOPIC", "predefined ids: distinct, 1 to 65534");
			ids.push(id);
		}
		this.predefinedNames = names;
		this.predefinedIds = ids;
	}

	/** How `name` travels without registering, if it can (else 0): predefined first, then as a short name. */
	fixedId(name: string): TopicId {
		const at = this.predefinedNames ? this.predefinedNames.indexOf(name) : -1;
		if (at >= 0) return (TopicIdType.PREDEFINED << 16) | (this.predefinedIds as number[])[at];
		return isShortTopicName(name) ? (TopicIdType.SHORT << 16) | shortTopicId(name) : 0;
	}

	/** How `name` travels now, or 0 while it needs a REGISTER. */
	idOf(name: string): TopicId {
		// Registered first: the hot path of a client publishing to its own topics (a normal id is its TopicId).
		const at = this.names.indexOf(name);
		return at >= 0 ? this.ids[at] : this.fixedId(name);
	}

	/** The name behind an id that arrived in a PUBLISH, or undefined when it is unknown. */
	nameOf(topicIdType: TopicIdType, topicId: number): string | undefined {
		// A short topic name is its two bytes (see shortTopicId).
		if (topicIdType === TopicIdType.SHORT) return String.fromCharCode(topicId >> 8, topicId & 0xff);
		if (topicIdType === TopicIdType.NORMAL) return this.names[this.ids.indexOf(topicId)];
		const ids = this.predefinedIds;
		return ids && (this.predefinedNames as string[])[ids.indexOf(topicId)];
	}

	/** A peer's REGISTER: false, with nothing stored, for a new name and id while full. */
	accept(name: string, topicId: number): boolean {
		if (this.ids.length >= (this.capacity ?? 32) && this.ids.indexOf(topicId) < 0 && this.names.indexOf(name) < 0) return false;
		this.register(name, topicId);
		return true;
	}

	/** A normal id assigned by the gateway (REGACK, SUBACK); full, the oldest is forgotten. */
	register(name: string, topicId: number): void {
		const names = this.names;
		const ids = this.ids;
		const known = names.indexOf(name);
		if (known >= 0) this.forget(ids[known]);
		this.forget(topicId);
		if (ids.length >= (this.capacity ?? 32)) {
			names.shift();
			ids.shift();
		}
		names.push(name);
		ids.push(topicId);
	}

	/** The gateway said "invalid topic id": register again before the next use. */
	forget(topicId: number): void {
		const at = this.ids.indexOf(topicId);
		if (at < 0) return;
		this.ids.splice(at, 1);
		this.names.splice(at, 1);
	}

	/** A new session (clean, or another gateway): normal ids are void. */
	clear(): void {
		this.ids.length = 0;
		this.names.length = 0;
	}

	/** Normal registrations, for the durable state. */
	registrations(): { readonly topicId: number; readonly topicName: string }[] {
		const names = this.names;
		return this.ids.map((topicId, i) => ({ topicId, topicName: names[i] }));
	}
}

// --- incoming QoS 2 message ids (ReleaseWindow) -----------------------------------------
/*
 * Incoming QoS 2, delivered once (the PUBLISH flows are the lane's, lane.ts; the gateway
 * tool keeps a window per client too). Here with the topic registry: both are capped tables
 * of ids that the session and the gateway tool each hold, and one module costs the device
 * less than two.
 *
 * Exactly-once for incoming QoS 2 over a datagram network. Like MQTT's method B, a
 * message is delivered on its first PUBLISH and its id remembered until PUBREL. UDP
 * adds one case TCP never has: a retransmitted PUBLISH that the network delayed past
 * the PUBREL. The ids released most recently are therefore remembered too; a sender
 * numbers messages in sequence, so an id comes back only after thousands of others.
 *
 * Ids awaiting PUBREL are capped (`capacity`): a peer that never releases cannot grow
 * the window. Once `full`, a new id is not taken: the caller answers it ("rejected:
 * congestion") instead of delivering it. Both lists are short arrays: cheaper on the
 * device than a Set, and searched in a few steps at these sizes.
 */
/** Ids released lately that are still remembered (a `const enum`: written as its number). */
const enum Window {
	RECENT = 32,
}

export class ReleaseWindow {
	declare readonly capacity: number;
	private declare readonly waiting: number[];
	private declare readonly recent: number[];

	constructor(capacity = 64) {
		this.capacity = capacity;
		this.waiting = [];
		this.recent = [];
	}

	get full(): boolean {
		return this.waiting.length >= this.capacity;
	}

	/** The id is awaiting PUBREL or was released lately: a duplicate, whatever the window's fill. */
	holds(msgId: number): boolean {
		return this.waiting.indexOf(msgId) >= 0 || this.recent.indexOf(msgId) >= 0;
	}

	/** True when this PUBLISH is new and is to be delivered; false for a duplicate, or a new id while full. */
	accept(msgId: number): boolean {
		if (this.full || this.holds(msgId)) return false;
		this.waiting.push(msgId);
		return true;
	}

	/** PUBREL arrived. */
	release(msgId: number): void {
		const at = this.waiting.indexOf(msgId);
		if (at < 0) return;
		this.waiting.splice(at, 1);
		if (this.recent.length === Window.RECENT) this.recent.shift();
		this.recent.push(msgId);
	}

	/** A new session: the sender numbers from scratch. */
	clear(): void {
		this.waiting.length = 0;
		this.recent.length = 0;
	}

	awaiting(): number[] {
		return this.waiting.slice();
	}

	restore(ids: readonly number[]): void {
		for (let i = 0; i < ids.length && !this.full; i++) if (!this.holds(ids[i])) this.waiting.push(ids[i]);
	}
}
