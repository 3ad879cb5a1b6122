/**
 * Finding a gateway and noticing when it is gone (MQTT-SN 6.1, 6.2). Plain data and
 * deadlines, driven by the session:
 *
 * - SearchSchedule: when to broadcast SEARCHGW. The first one waits a random time in
 *   [0, T_SEARCHGW) so clients powered up together do not all search at once; each later
 *   one waits T_GWINFO for an answer plus a jittered delay whose ceiling doubles (the
 *   exponential backoff the specification asks for). Hearing another client's SEARCHGW
 *   counts as our own: we wait for the GWINFO it will bring.
 * - AdvertiseWatch: a gateway that advertises every `duration` seconds is lost once
 *   `missed` consecutive ADVERTISEs fail to arrive (N_ADV); half a period of slack lets
 *   a late broadcast still count.
 */
import { Backoff } from "../common/backoff";
import { connect } from "./connection";
import { encode } from "./encode";
import type { GatewayLink } from "./link";
import * as sn from "./packet";
import type { AdvertiseMessage, GwInfoMessage } from "./packet";

/** Where a gateway answers: an IP address as the board reports datagram sources. */
export interface Gateway {
	readonly gwId: number;
	readonly address: string;
	readonly port: number;
}

export function sameEndpoint(gateway: Gateway, address: string, port: number): boolean {
	return gateway.port === port && gateway.address === address;
}

export class SearchSchedule {
	private declare readonly backoff: Backoff;
	private declare readonly tGwInfo: number;
	private declare searchAt: number;

	constructor(tSearchGw: number, tGwInfo: number, maxDelay: number, random: () => number) {
		this.backoff = new Backoff({ base: tSearchGw, cap: Math.max(tSearchGw, maxDelay), random });
		this.tGwInfo = tGwInfo;
		this.searchAt = Infinity;
	}

	get searching(): boolean {
		return this.searchAt !== Infinity;
	}

	start(now: number): void {
		if (this.searching) return;
		this.backoff.reset();
		this.searchAt = now + this.backoff.next();
	}

	stop(): void {
		this.searchAt = Infinity;
	}

	/** True when a SEARCHGW is due: the caller sends it, the next one is scheduled. */
	due(now: number): boolean {
		if (now < this.searchAt) return false;
		this.searchAt = now + this.tGwInfo + this.backoff.next();
		return true;
	}

	/** Another client searched: behave as if we had. */
	heardSearch(now: number): void {
		if (this.searching) this.searchAt = now + this.tGwInfo + this.backoff.next();
	}

	nextTimeout(): number | undefined {
		return this.searching ? this.searchAt : undefined;
	}
}

export class AdvertiseWatch {
	private declare readonly missed: number;
	private declare deadline: number;

	/** `missed`: N_ADV, ADVERTISEs in a row that may go missing before the gateway is lost. */
	constructor(missed: number) {
		this.missed = missed;
		this.deadline = Infinity;
	}

	/** The gateway advertised; the next one is due in `duration` seconds. */
	heard(duration: number, now: number): void {
		this.deadline = duration > 0 ? now + duration * 1000 * (this.missed + 0.5) : Infinity;
	}

	reset(): void {
		this.deadline = Infinity;
	}

	expired(now: number): boolean {
		return now >= this.deadline;
	}

	nextTimeout(): number | undefined {
		return this.deadline === Infinity ? undefined : this.deadline;
	}
}

/** Searching: broadcasts SEARCHGW when it is due. */
export function searchDue(link: GatewayLink, now: number): void {
	const target = link.searchTarget;
	if (target && link.searchSchedule?.due(now)) link.transmit.push({ bytes: encode({ type: sn.SEARCHGW, radius: target.radius }), address: target.address, port: target.port });
}

/** An ADVERTISE or GWINFO while no gateway is known: that is the gateway now. */
export function found(link: GatewayLink, message: AdvertiseMessage | GwInfoMessage, address: string, port: number, now: number): void {
	let gateway: Gateway = { gwId: message.gwId, address, port };
	// GWINFO from another client carries the gateway's address; on UDP, 4 octets of IPv4 and a port.
	if (message.type === sn.GWINFO && message.gwAdd) {
		const a = message.gwAdd;
		if (a.length !== 6) {
			link.dropped.unexpected++;
			return;
		}
		gateway = { gwId: message.gwId, address: `${a[0]}.${a[1]}.${a[2]}.${a[3]}`, port: (a[4] << 8) | a[5] };
	}
	link.gateway = gateway;
	link.topics.clear();
	if (message.type === sn.ADVERTISE) link.advertise.heard(message.duration, now);
	link.emit({ type: "gateway", gateway });
	if (link.state === "searching") {
		link.searchSchedule?.stop();
		link.state = "disconnected";
		connect(link, now);
	}
}

/** Time passed: a gateway that stopped advertising is lost (or, while disconnected, forgotten). */
export function advertiseDue(link: GatewayLink, now: number): boolean {
	if (!link.gateway || !link.advertise.expired(now)) return false;
	link.advertise.reset();
	const state = link.state;
	if (state === "disconnected") link.forgetGateway();
	else if (state !== "searching" && state !== "asleep") {
		link.lost(`no ADVERTISE from the gateway for ${link.limits.nAdv} periods`);
		return true;
	}
	return false;
}
