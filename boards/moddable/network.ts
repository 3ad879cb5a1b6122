/**
 * The Board's Network on the ESP32 and ESP8266: Moddable's `wifi` module, which takes
 * the access point's `bssid` and `channel` for a fast reconnect. The firmware joins
 * itself (app/network-join.ts) instead of Moddable's setup/network, which joins before
 * main with no time limit. After the first join of a cold boot, the clock is set by one
 * SNTP exchange (TLS checks certificate dates; readings carry a time), bounded too.
 * With a static address the station skips DHCP: the wifi module has no option for it,
 * so a small native module of the project sets it on the chip's interface first
 * (boards/<chip>/native/lampnode_static_ip.c).
 *
 * The network's name and passphrase go to the wifi module and nowhere else: no log, no error.
 */
import WiFi from "wifi";
import Net from "net";
import Time from "time";
import Timer from "timer";
import UDP from "embedded:io/socket/udp";
import NativeStaticIp from "moddable/native/static-ip";
import type { JoinHint, JoinResult, Network, StaticAddress } from "../../src/common/board";
import { sntpRequest, sntpSeconds } from "common/sntp";

export interface WifiSettings {
	readonly ssid: string;
	readonly password?: string;
	/** SNTP server; empty for none. */
	readonly sntp?: string;
}

/** Before this the clock was never set (Moddable keeps it across deep sleep once it is). */
const CLOCK_SET_AFTER = Date.UTC(2024, 0, 1);
const SNTP_WAIT_MS = 1500;
const SNTP_TRIES = 2;

export class WifiNetwork implements Network {
	readonly #settings: WifiSettings;
	#station: WiFi | undefined;
	#sntp: { close(): void } | undefined;

	constructor(settings: WifiSettings) {
		this.#settings = settings;
	}

	join(hint: JoinHint | undefined, done: (result: JoinResult) => void, address?: StaticAddress): void {
		this.cancel();
		if (address) {
			try {
				// The station's interface must exist (ESP32) and the station mode be on (ESP8266) first.
				WiFi.mode = WiFi.Mode.station;
				NativeStaticIp.configure(addressBytes(address));
			} catch {
				return done({ joined: false, reason: "static-address" });
			}
		}
		const { ssid, password } = this.#settings;
		const fast = hint ? { bssid: hint.bssid.slice().buffer, channel: hint.channel } : {};
		const options = { ssid, ...(password ? { password } : {}), ...fast };
		// The SDK retries a failed scan or association by itself until the policy's time limit ends the
		// attempt. Only a refused passphrase (reason -1) ends it early: any other "disconnect" may be the
		// echo of the disconnect that starting this attempt caused, and would end every attempt at once.
		const station = new WiFi(options, ((message: string, reason?: number) => {
			if (this.#station !== station) return;
			if (message === WiFi.gotIP) {
				this.#station = undefined;
				station.close();
				this.#setClock(() => done({ joined: true, hint: current() }));
			} else if (message === WiFi.disconnected && reason === -1) {
				this.cancel();
				done({ joined: false, reason: "authentication" });
			}
		}) as unknown as ConstructorParameters<typeof WiFi>[1]);
		this.#station = station;
	}

	cancel(): void {
		this.#sntp?.close();
		this.#sntp = undefined;
		const station = this.#station;
		if (!station) return;
		this.#station = undefined;
		station.close();
		WiFi.disconnect();
	}

	/** One SNTP exchange when the clock was never set, then `done` whatever happened. */
	#setClock(done: () => void): void {
		const host = this.#settings.sntp;
		if (!host || Date.now() > CLOCK_SET_AFTER) return done();
		let tries = 0;
		let timer: Timer | undefined;
		let socket: UDP | undefined;
		const finish = () => {
			if (timer) Timer.clear(timer);
			timer = undefined;
			// @moddable/typings 5.6 leaves close() out of UDP's declaration; every platform has it.
			(socket as unknown as { close(): void } | undefined)?.close();
			socket = undefined;
			if (this.#sntp === handle) this.#sntp = undefined;
			done();
		};
		const handle = { close: () => finish() };
		this.#sntp = handle;
		Net.resolve(host, (_name, address) => {
			if (this.#sntp !== handle) return;
			if (!address) return finish();
			socket = new UDP({
				onReadable(count: number) {
					while (count-- > 0) {
						const seconds = sntpSeconds(new Uint8Array(this.read()));
						if (seconds !== undefined) {
							Time.set(seconds);
							return finish();
						}
					}
				},
			});
			const send = () => {
				if (++tries > SNTP_TRIES) return finish();
				socket?.write(sntpRequest(), address, 123);
				timer = Timer.set(send, SNTP_WAIT_MS);
			};
			send();
		});
	}
}

/** ip, netmask, gateway, dns: 4 bytes each in network order (the native module's layout). */
function addressBytes(address: StaticAddress): ArrayBuffer {
	const bytes = new Uint8Array(16);
	[address.ip, address.netmask, address.gateway, address.dns].forEach((quad, i) => bytes.set(quad.split(".").map(Number), i * 4));
	return bytes.buffer;
}

/** The access point and channel just joined, for the next fast reconnect; undefined if unknown. */
function current(): JoinHint | undefined {
	const get = Net.get as unknown as (what: string) => unknown;
	const bssid = get("BSSID");
	const channel = get("CHANNEL");
	if (typeof bssid !== "string" || typeof channel !== "number" || channel < 1 || channel > 14) return undefined;
	const bytes = bssid.split(":").map((part) => parseInt(part, 16));
	if (bytes.length !== 6 || bytes.some((byte) => !(byte >= 0 && byte <= 255))) return undefined;
	return { bssid: Uint8Array.from(bytes), channel };
}
