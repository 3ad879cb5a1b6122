/**
 * What each configuration key means, for the README (tools/config-table.ts writes its
 * tables from this and the rows of src/app/config-keys.ts and of the protocols' sections).
 * Host-only: the device carries the rows, not these sentences. A row is named by its key,
 * or `key:protocol` where protocols have a row each; host-tests/static/config-table.test.ts
 * checks every row has one.
 */
import type * as coapRules from "../src/app/config-coap";
import type * as mqttRules from "../src/app/config-mqtt";
import type * as mqttsnRules from "../src/app/config-mqttsn";
import type * as rules from "../src/app/config-rules";

/** The README table a key is listed in (between `<!-- config-keys:begin SECTION -->` markers). */
export type Section = "main" | "mqttsn" | "device" | "coap";

export interface KeyDoc {
	readonly section: Section;
	readonly meaning: string;
	/** The default column for a key whose default is not one value: derived, generated, none. */
	readonly default?: string;
	/** Only in one power mode. */
	readonly mode?: "always-on" | "sleepy";
	/** How a `uri` or `topics` key is written. */
	readonly form?: string;
}

export const KEY_DOCS: Readonly<Record<string, KeyDoc>> = {
	ssid: { section: "main", default: "(none)", meaning: "Wi-Fi network (devices only, where it is required); never logged" },
	password: { section: "main", default: "(none)", meaning: "Wi-Fi passphrase (empty for an open network); a secret: never logged, never echoed" },
	sntp: { section: "main", meaning: "SNTP server that sets the device clock after the first Wi-Fi join of a cold boot; empty for none" },
	staticIp: { section: "main", default: "(empty: DHCP)", meaning: "fixed IPv4 address of the station, instead of DHCP, in both modes; needs `gatewayIp` (see \"Static IP\")" },
	gatewayIp: { section: "main", default: "(none)", meaning: "IPv4 gateway, in `staticIp`'s subnet; only with `staticIp`" },
	netmask: { section: "main", meaning: "with `staticIp`: the subnet mask, contiguous ones, /1 to /30" },
	dns: { section: "main", default: "the gateway", meaning: "with `staticIp`: the DNS server (broker and SNTP names are resolved through it)" },
	protocol: { section: "main", meaning: "how the lamp talks: MQTT 3.1.1, MQTT-SN 1.2 or CoAP" },
	broker: { section: "main", default: "(none, required)", form: "`mqtt://host[:port]` (1883), `mqtts://host[:port]` (8883, TLS), `ws://host[:port][/path]` (80) or `wss://host[:port][/path]` (443, TLS): MQTT over WebSocket, path `/mqtt` by default", meaning: "the broker" },
	mqttVersion: { section: "main", meaning: "`5` speaks MQTT 5.0 (reason codes, the broker's limits obeyed, Session Expiry, and in sleepy mode a Will Delay past the next wake, so only a node that misses its wake is reported offline)" },
	brokerCa: { section: "main", default: "(none)", meaning: "trust anchor for `mqtts` and `wss`: a certificate resource name on a device, a PEM file on the host" },
	brokerCert: { section: "main", default: "(none)", meaning: "client certificate for a broker that asks for one (`mqtts`, `wss`): a DER resource name on a device, a PEM file on the host" },
	brokerKey: { section: "main", default: "(none)", meaning: "private key of `brokerCert`: an RSA PKCS#8 DER resource name on a device, a PEM file on the host; a secret: never logged, never echoed" },
	brokerUsername: { section: "main", default: "(none)", meaning: "MQTT user name" },
	brokerPassword: { section: "main", default: "(none)", meaning: "MQTT password (needs a user name, MQTT 3.1.2.9); a secret: never logged, never echoed" },
	"clientId:mqtt": { section: "main", default: "generated", meaning: "MQTT client id; required when the session is persistent (`cleanSession` false, or sleepy)" },
	"keepAlive:mqtt": { section: "main", meaning: "seconds; a PINGREQ goes out when idle, the link is declared dead after 1.5x this with nothing received" },
	cleanSession: { section: "main", meaning: "`false` keeps the session (subscriptions, queued QoS 1/2 messages) on the broker or gateway across reconnects; sleepy mode always keeps it" },
	"qos:mqtt": { section: "main", meaning: "QoS of the lamp subscription, the state messages and readings" },
	reconnectBase: { section: "main", meaning: "reconnect backoff, ms: the n-th retry waits a random time below min(cap, base x 2^n)" },
	reconnectCap: { section: "main", meaning: "the backoff's cap, ms; at least `reconnectBase`" },
	"maxPacketSize:mqtt": { section: "main", meaning: "largest MQTT packet accepted or sent; a larger incoming packet closes the connection" },
	inflightWindow: { section: "main", meaning: "QoS 1/2 messages awaiting acknowledgement at once" },
	lampTopic: { section: "main", meaning: "commands arrive here" },
	stateTopic: { section: "main", default: "`<lampTopic>/state`", meaning: "where the lamp's state (`on`/`off`) is published, retained" },
	statusTopic: { section: "main", default: "`<lampTopic>/status`", meaning: "where availability (`online`/`offline`, the will) is published, retained" },
	lampPin: { section: "main", meaning: "GPIO driving the lamp or relay" },
	lampActive: { section: "main", meaning: "`low` for relay boards that switch on a low level (the ESP8266's platform config sets `low`)" },

	gateway: { section: "mqttsn", default: "(none: discovery)", form: "`udp://host[:port]` (1883)", meaning: "the gateway; without it the client searches" },
	gatewaySearch: { section: "mqttsn", form: "`udp://a.b.c.d[:port]`", meaning: "where SEARCHGW goes: an IPv4 broadcast or unicast address" },
	searchRadius: { section: "mqttsn", meaning: "the SEARCHGW's radius" },
	mqttsnPort: {
		section: "mqttsn",
		default: "`0` (any); `1885` with `mode=sleepy`",
		meaning:
			"local UDP port; a fixed one hears broadcast ADVERTISEs, and keeps a sleepy device's address the same after every deep sleep (gateways such as Eclipse Paho's know clients by address and drop a PINGREQ from an address they do not know). `0` in sleepy mode works too, at the cost of a CONNECT every wake",
	},
	"clientId:mqttsn": { section: "mqttsn", default: "generated", meaning: "MQTT-SN client id (5.3.1); required when the session is persistent" },
	"keepAlive:mqttsn": {
		section: "mqttsn",
		default: "`60`; sleepy: 1.25 x (`sleepInterval` + `maxAwake`) + 30 (443 for 300 + 30 s)",
		meaning:
			"seconds, sent as the CONNECT's duration, which a gateway forwards to the broker as the MQTT keep-alive. Gateways do not ping the broker for a sleeping client, so in sleepy mode it must exceed `sleepInterval` + `maxAwake` (or be 0, or 65535 for longer sleeps), or the broker publishes the will during every sleep",
	},
	"qos:mqttsn": {
		section: "mqttsn",
		meaning:
			"as for MQTT, and `-1` with `mode=sleepy`: each reading is one datagram to the configured `gateway`, no connection, no commands (the telemetry topic needs an id in `predefinedTopics`, or a two-character name)",
	},
	"maxPacketSize:mqttsn": { section: "mqttsn", meaning: "largest datagram accepted or sent" },
	predefinedTopics: { section: "mqttsn", default: "(none)", form: "`name=id, name=id`", meaning: "topic ids both sides know without REGISTER (ids 1 to 65534)" },
	tRetry: {
		section: "mqttsn",
		default: "`10000`; sleepy: a fifth of `networkDeadline` (2000 for 10 s)",
		meaning: "retransmission interval, ms (Tretry); sleepy: at most a third of `networkDeadline`, so a lost PINGREQ is sent again and a CONNECT follows within one wake",
	},
	nRetry: { section: "mqttsn", meaning: "retransmissions (Nretry), after which the gateway is considered lost" },
	tWait: { section: "mqttsn", meaning: "ms to wait after \"rejected: congestion\" (T_WAIT)" },

	mode: { section: "device", meaning: "`always-on` (mains: kept connected) or `sleepy` (battery: wake, publish, deep sleep)" },
	sleepInterval: { section: "device", mode: "sleepy", meaning: "seconds between wakes" },
	maxAwake: { section: "device", mode: "sleepy", meaning: "seconds after which a wake sleeps anyway" },
	networkDeadline: { section: "device", mode: "sleepy", meaning: "seconds to get connected before sleeping again (at most `maxAwake`)" },
	readingInterval: { section: "device", mode: "always-on", meaning: "seconds between readings (at least 2, the DHT22's limit)" },
	dht22Pin: { section: "device", meaning: "GPIO of the DHT22's data line; `-1` for no sensor" },
	telemetryTopic: { section: "device", meaning: "where readings are published" },
	buttonPin: { section: "device", meaning: "GPIO of the push button (the BOOT button on most boards); `-1` for none" },
	buttonActive: { section: "device", meaning: "`low`: pressed connects to GND; `high`: to 3.3 V" },
	debounceMs: { section: "device", meaning: "a level counts once it has held this long" },
	longPressMs: { section: "device", meaning: "held this long is a long press; `0` for none" },
	longPress: { section: "device", meaning: "what a long press does" },
	homeAssistant: { section: "device", meaning: "MQTT, MQTT-SN: publish Home Assistant MQTT discovery configs (retained) for the lamp, the DHT22 and the health sensors on every connect; needs a `clientId` (see \"Home Assistant\")" },
	discoveryPrefix: { section: "device", meaning: "Home Assistant's discovery prefix (its `discovery_prefix`)" },
	healthInterval: { section: "device", meaning: "MQTT, MQTT-SN: seconds between health reports on `<lampTopic>/health` (retained; also on every connect; asleep, on every wake this many seconds of sleep apart); `0` for on connect (asleep: a session's first wake) only" },
	powerOn: { section: "device", mode: "always-on", meaning: "the lamp at power-on: `off`, `on`, or `restore` (the last state, from retained memory on a device, the `--retained` file on the host)" },
	swVersion: { section: "device", default: "package.json's `version`", meaning: "the firmware version reported in health and as the Home Assistant device's `sw_version`; written into the manifest by `tools/config-table.ts`" },

	coapPort: { section: "coap", default: "`5683`; `5684` (coaps) when `coapPsk` is set", meaning: "UDP port of the device's CoAP server" },
	collector: { section: "coap", default: "(none)", form: "`coap[s]://host[:port]/path`", meaning: "where state changes (text/plain) and readings (JSON) are POSTed; `coaps://` (DTLS with `coapPsk`) by default on port 5684" },
	coapPskIdentity: { section: "coap", default: "(none)", meaning: "the DTLS PSK identity (RFC 4279) the device sends to a `coaps://` collector and accepts from clients of its server" },
	coapPsk: { section: "coap", default: "(none)", form: "hex, 1 to 64 bytes", meaning: "the pre-shared key of `coapPskIdentity` (TLS_PSK_WITH_AES_128_CCM_8); set, the server speaks only coaps; a secret: never logged, never echoed" },
	coapType: { section: "coap", meaning: "POSTs to the collector as `con` (confirmable: acknowledged, retransmitted) or `non` (one datagram, no wait; a sleepy wake's asks for no response, RFC 7967)" },
	ackTimeout: { section: "coap", meaning: "ACK_TIMEOUT, ms (RFC 7252 4.8)" },
	ackRandomFactorTenths: { section: "coap", meaning: "ACK_RANDOM_FACTOR in tenths (1.5 written as 15)" },
	maxRetransmit: { section: "coap", meaning: "MAX_RETRANSMIT" },
	nstart: { section: "coap", meaning: "NSTART: outstanding interactions per peer" },
	blockSize: { section: "coap", meaning: "block size (RFC 7959), a power of two" },
};

/** A section module's rules: its exports but the parsers and its rows. */
type RulesOf<M> = Exclude<keyof M, `parse${string}` | "KEYS">;

/** The rules between keys (src/app/config-rules.ts, and each protocol's in its section's module), one line each, for the README. */
export const RULE_DOCS: Readonly<Record<keyof typeof rules | RulesOf<typeof mqttRules> | RulesOf<typeof mqttsnRules> | RulesOf<typeof coapRules>, string>> = {
	joiningNeedsSsid: "a board that joins Wi-Fi itself (the devices) needs `ssid`",
	discoveryNeedsClientId: "`homeAssistant` needs a `clientId` (the device's identifier in Home Assistant) and MQTT or MQTT-SN",
	persistentSessionNeedsClientId: "MQTT and MQTT-SN: `cleanSession` false, or `mode=sleepy` (which always keeps its session), needs a `clientId`",
	passwordNeedsUsername: "`brokerPassword` needs `brokerUsername` (MQTT 3.1.2.9)",
	caNeedsMqtts: "`brokerCa` only with an `mqtts://` or `wss://` broker",
	clientCertificateNeedsTls: "`brokerCert` and `brokerKey` together, and only with an `mqtts://` or `wss://` broker",
	brokerSchemeInImage: "an `mqtts://` or `wss://` broker needs an image with TLS, a `ws://` or `wss://` one an image with the WebSocket client (the ESP8266's default image has neither)",
	deadlineWithinWake: "`networkDeadline` at most `maxAwake`",
	capAtLeastBase: "`reconnectCap` at least `reconnectBase`",
	keepAliveOutlastsSleep: "MQTT-SN sleepy: `keepAlive` 0, 65535, or over `sleepInterval` + `maxAwake`",
	retryWithinDeadline: "MQTT-SN sleepy: `tRetry` at most a third of `networkDeadline`",
	connectionlessNeedsSleepy: "MQTT-SN `qos=-1` only with `mode=sleepy`",
	connectionlessNeedsGateway: "MQTT-SN `qos=-1` needs a configured `gateway`",
	connectionlessNeedsFixedTopic: "MQTT-SN `qos=-1` needs `telemetryTopic` in `predefinedTopics`, or a two-character topic",
	blockSizePowerOfTwo: "`blockSize` a power of two",
};
