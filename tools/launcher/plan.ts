/**
 * What `npm start` runs for a protocol and a power mode: every pair runs, and this is the
 * one place that says how (the peers start.ts starts, the firmware's config overrides).
 *
 *   mqtt     always-on | sleepy   an embedded broker (or --broker)
 *   mqttsn   always-on | sleepy   the host gateway (or --gateway) towards that broker;
 *                                 with --set qos=-1 (sleepy only), publish without connection
 *                                 to topics the gateway and the firmware both predefine
 *   coap     always-on | sleepy   a collector for the POSTs (or --collector); always-on,
 *                                 the device's own CoAP server on --coap-port
 */
import { sleepyOverrides } from "./sleepy";

export const PROTOCOLS = ["mqtt", "mqttsn", "coap"] as const;
export const MODES = ["always-on", "sleepy"] as const;
export type StartProtocol = (typeof PROTOCOLS)[number];
export type StartMode = (typeof MODES)[number];

export interface StartPlan {
	readonly protocol: StartProtocol;
	readonly sleepy: boolean;
	/** The firmware's `key=value` overrides, the user's last so theirs win. */
	readonly overrides: readonly string[];
	/** MQTT-SN QoS -1: the topic ids the gateway must be started with (the firmware gets the same). */
	readonly predefinedTopics?: Readonly<Record<string, number>>;
}

export interface StartArgs {
	readonly protocol?: string;
	readonly mode?: string;
	readonly set?: readonly string[];
}

/** `defaults`: the manifest's config (for the topics QoS -1 predefines). Throws for an unknown protocol or mode. */
export function startPlan(args: StartArgs, defaults: Readonly<Record<string, unknown>>): StartPlan {
	const protocol = PROTOCOLS.find((p) => p === (args.protocol ?? "mqtt"));
	const mode = MODES.find((m) => m === (args.mode ?? "always-on"));
	if (!protocol) throw new Error(`--protocol ${args.protocol}: expected one of ${PROTOCOLS.join(", ")}`);
	if (!mode) throw new Error(`--mode ${args.mode}: expected one of ${MODES.join(", ")}`);
	const user = [...(args.set ?? [])];
	const sleepy = mode === "sleepy";
	const base = sleepy ? sleepyOverrides(user) : user;
	const overrides = [`protocol=${protocol}`, ...base.filter((o) => !o.startsWith("protocol="))];
	const value = (key: string) => {
		const set = user.filter((o) => o.startsWith(`${key}=`)).pop();
		return set === undefined ? defaults[key] : set.slice(key.length + 1);
	};
	if (protocol !== "mqttsn" || value("qos") !== "-1") return { protocol, sleepy, overrides };
	// QoS -1 publishes to fixed ids only: the reading, the state and the status get one each.
	const lamp = String(value("lampTopic") || "home/office/lamp");
	const topics = [String(value("telemetryTopic") || "home/office/dht22"), String(value("stateTopic") || `${lamp}/state`), String(value("statusTopic") || `${lamp}/status`)];
	const predefinedTopics: Record<string, number> = {};
	topics.forEach((topic, i) => (predefinedTopics[topic] = i + 1));
	const list = Object.entries(predefinedTopics).map(([topic, id]) => `${topic}=${id}`).join(",");
	return { protocol, sleepy, overrides: [...overrides.filter((o) => !o.startsWith("predefinedTopics=")), `predefinedTopics=${list}`], predefinedTopics };
}
