/**
 * What the device (always-on.ts, sleepy.ts) needs from a protocol, and nothing more:
 * the device is written once over this interface, and each protocol adapts it in one
 * file (adapters/mqtt.ts, adapters/mqttsn.ts, adapters/coap.ts). The adapter owns its
 * protocol's words (topics, QoS, resources, confirmable messages); the device speaks only
 * of the lamp's state, its status and readings. Below it, what the adapters share: the
 * retry of the subscription the lamp cannot do without (keepSubscribed).
 */
import { Backoff } from "../common/backoff";
import type { Board, TimerHandle } from "../common/board";
import { ConfigError, ProtocolError } from "../common/errors";
import { readUtf8 } from "../common/utf8";
import type { CoapFirmwareConfig, FirmwareConfig, MqttFirmwareConfig, MqttSnFirmwareConfig, SectionParser } from "./config";

/** What an uplink tells the device. */
export interface UplinkEvents {
	/** Connected (MQTT, MQTT-SN), or the network is there (a connectionless uplink). */
	online(): void;
	/** A command for the lamp arrived; returns false when the payload is not one. */
	command(payload: Uint8Array): boolean;
	/** Whether the lamp is on now (a CoAP GET asks). */
	lampOn(): boolean;
	/** An error the device cannot act on: logged as one event. */
	report(error: Error): void;
}

/** What a sleepy wake starts its uplink with (sleepy.ts). */
export interface WakeContext {
	/** What the last wake retained for this protocol; undefined to start afresh. */
	readonly state: Uint8Array | undefined;
	readonly reconnectAttempt: number;
	/** This wake's number, distinct from the last wakes'. */
	readonly bootCount: number;
}

/**
 * Retained memory an always-on uplink may keep its session in across a restart
 * (always-on.ts). Written when the session changes, at most once per burst.
 */
export interface RetainedSession {
	/** What the last run kept for this protocol; undefined when nothing usable is there (first boot, power cut, a torn or foreign record). */
	readonly state: Uint8Array | undefined;
	/** The most bytes a session may take: a larger one is not kept. */
	readonly room: number;
	/** The lamp as the last run left it (false when nothing was kept): powerOn=restore (always-on.ts). */
	readonly lampOn?: boolean;
	/** Boots counted in this memory, this one included. */
	readonly bootCount?: number;
	save(session: Uint8Array): void;
}

export interface Uplink {
	/** Starts the exchange with the broker, gateway or collector. */
	start(): void;
	/** Connected now: a clean stop says "offline" first. */
	readonly connected: boolean;
	/** The lamp's state, kept by the peer (retained): resolves once sent or acknowledged. */
	publishState(on: boolean): Promise<void>;
	/** The device's availability ("online", "offline", the sleepy schedule), kept by the peer. */
	publishStatus(status: string): Promise<void>;
	/** One telemetry reading (readingJson, lamp-app.ts). */
	publishReading(json: string): Promise<void>;
	/** A retained message at QoS 0 on any topic (discovery, health: lamp-app.ts Reports); absent where the protocol has no retained topics. */
	readonly publishRetained?: (topic: string, payload: string) => Promise<void>;
	/** Leaves cleanly and stops for good. */
	stop(): void;

	// A sleepy wake's hooks (sleepy.ts); an always-on device never calls them.
	/** Resolves once every command queued while the device slept has arrived. */
	collectCommands(): Promise<void>;
	/** Nothing unacknowledged in either direction. */
	readonly idle: boolean;
	/** Leaves cleanly (so the peer keeps the will for real failures), to sleep `seconds`. */
	sleep(seconds: number): Promise<void>;
	/** Leaves now, without goodbye (out of time). */
	abort(): void;
	/** The uplink's durable state, in the protocol's byte format, for retained memory. */
	exportState(): Uint8Array;
	readonly reconnectAttempt: number;
}

/**
 * `wake`: present in a sleepy wake, absent for an always-on device. `retained`: an
 * always-on device's retained memory, opened by the uplink only if it keeps a session.
 */
export type UplinkFactory<C extends FirmwareConfig> = (board: Board, config: C, events: UplinkEvents, wake?: WakeContext, retained?: () => RetainedSession) => Uplink;

/** One protocol of an image: the section of the config it reads, and the uplink it opens. */
export interface ProtocolEntry<C extends FirmwareConfig, S> {
	readonly section: SectionParser<S>;
	readonly uplink: UplinkFactory<C>;
}

/**
 * The protocols an image includes (protocols/table.ts, or another table the manifest maps
 * in its place): an image built without a protocol has no entry, and none of its modules.
 * parseConfig (firmware.ts) refuses a config for a protocol without an entry, and the
 * entry's section refuses what its image lacks of the protocol (MQTT 5, DTLS): so the
 * config the device opens an uplink for is one its image runs.
 */
export interface ProtocolTable {
	readonly mqtt?: ProtocolEntry<MqttFirmwareConfig, MqttFirmwareConfig["mqtt"]>;
	readonly mqttsn?: ProtocolEntry<MqttSnFirmwareConfig, MqttSnFirmwareConfig["mqttsn"]>;
	readonly coap?: ProtocolEntry<CoapFirmwareConfig, CoapFirmwareConfig["coap"]>;
}

/** The refusal of coaps by an image without DTLS, naming the key that asked for it. */
export function noDtls(key: "collector" | "coapPsk"): ConfigError {
	return new ConfigError(key, key === "collector" ? "coap://: no DTLS in this image (manifest_coaps.json has it)" : "none: no DTLS in this image (manifest_coaps.json has it)");
}

/** `table`: the one `config` was parsed with (parseConfig), which has its protocol's entry. */
export function openUplink(table: ProtocolTable, board: Board, config: FirmwareConfig, events: UplinkEvents, wake?: WakeContext, retained?: () => RetainedSession): Uplink {
	// The entry under the config's protocol takes that protocol's config (ProtocolTable's types say so).
	return (table as unknown as Readonly<Record<FirmwareConfig["protocol"], ProtocolEntry<FirmwareConfig, unknown>>>)[config.protocol].uplink(board, config, events, wake, retained);
}

/** A payload as text for the log: UTF-8 if it is, shortened; otherwise its size. */
export function printable(payload: Uint8Array): string {
	try {
		const text = readUtf8(payload, 0, Math.min(payload.length, 80));
		return payload.length > 80 ? text + "..." : text;
	} catch {
		return "<" + payload.length + " bytes>";
	}
}

/**
 * A subscription the lamp cannot do without (its command topic): a broker that refuses it
 * (SUBACK 0x80, an MQTT-SN SUBACK rejected, or still congested) would leave the lamp deaf until reboot, so the
 * refusal is reported as a typed event and the subscription is asked for again with
 * backoff (an ACL or a broker's limits may change), until granted or the uplink stops.
 *
 * Event: `subscription-refused` with `code`, `topic`, `attempt` and `retryInMs`.
 */
export interface SubscriptionRetry {
	readonly base: number;
	readonly cap: number;
	readonly random: () => number;
}

/** Subscribes with `subscribe` until it is granted; returns a function that stops retrying. */
export function keepSubscribed(board: Board, topic: string, subscribe: () => Promise<unknown>, retry: SubscriptionRetry, report: (error: Error) => void): () => void {
	const backoff = new Backoff(retry);
	let timer: TimerHandle | undefined;
	let stopped = false;
	const attempt = () => {
		timer = void 0;
		subscribe().then(
			() => backoff.reset(),
			(error: Error) => {
				if (stopped || (error instanceof ProtocolError && error.code === "CLOSED")) return;
				if (!(error instanceof ProtocolError && (error.code === "SUBSCRIPTION_REFUSED" || error.code === "REJECTED_CONGESTION"))) return report(error);
				const delay = backoff.next();
				board.log("subscription-refused", { code: error.code, topic, attempt: backoff.attempt, retryInMs: delay });
				timer = board.setTimer(attempt, delay);
			},
		);
	};
	attempt();
	return () => {
		stopped = true;
		if (timer) board.clearTimer(timer);
	};
}
