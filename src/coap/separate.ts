/**
 * Separate responses of the server (RFC 7252 5.2.2). A handler may answer with a promise;
 * while it is unsettled the request waits here:
 * - a CON request still unanswered `after` ms on is acknowledged with an Empty ACK, so
 *   the client stops retransmitting it; the response then follows as a CON of its own
 *   (its own message id, the request's token), retransmitted until acknowledged or
 *   MAX_RETRANSMIT is spent. Answered sooner, it is piggybacked on the ACK as usual;
 * - a handler still unsettled at `deadline` ms is answered 5.00, so no client waits for
 *   ever and no entry stays;
 * - at most `max` requests wait or have a separate response in flight; past that a slow
 *   answer is refused 5.03 with Max-Age (the handler has run: a slow resource should be
 *   safe to ask again).
 * The table's deadlines run on the endpoint's timer while it holds any (`keep`, `stopKeeping`).
 */
import type { Content, Expiring, IncomingRequest } from "./endpoint";
import * as m from "./message";
import * as o from "./options";
import type { Transport } from "./transport";

interface Waiting {
	readonly request: IncomingRequest;
	/** When to send the Empty ACK; Infinity once sent (or for a NON, which has none). */
	ackAt: number;
	/** When the handler is given up; Infinity once answered. */
	deadline: number;
}

export class SeparateResponses implements Expiring {
	private readonly waiting: Waiting[] = [];

	constructor(
		private readonly transport: Transport,
		private readonly after: number,
		private readonly limit: number,
		private readonly max: number,
		private readonly failed: (failure: unknown) => Content,
	) {}

	/** Requests waiting for their handler or for the ACK of their separate response (at most `max`). */
	get size(): number {
		return this.waiting.length;
	}

	/** Answers `request` with what `answer` settles to, separately if it takes longer than `after`. */
	hold(request: IncomingRequest, answer: PromiseLike<Content>, now: number): void {
		const waiting = this.waiting;
		const endpoint = this.transport.endpoint;
		if (waiting.length >= this.max) {
			endpoint.dropped.overloaded++;
			// Max-Age: until the next place frees, at most the handler limit (a held place that is a
			// sent answer awaiting its ACK has no deadline here: the endpoint gives it up in time).
			const wait = this.nextExpiry() - now;
			endpoint.respond(request, { code: m.Code.SERVICE_UNAVAILABLE, options: [o.uintOption(o.Option.MAX_AGE, Math.max(1, Math.ceil((wait < this.limit ? wait : this.limit) / 1000)))], payload: m.EMPTY_BYTES }, now);
			return;
		}
		const entry: Waiting = { request, ackAt: request.message.type === m.Type.CON ? now + this.after : Infinity, deadline: now + this.limit };
		if (waiting.push(entry) === 1) endpoint.keep(this);
		// Settled outside the endpoint's timer: the transport is asked to send it.
		const transport = this.transport;
		answer.then(
			(content) => {
				this.settle(entry, content, transport.now);
				transport.service();
			},
			(failure: unknown) => {
				this.settle(entry, this.failed(failure), transport.now);
				transport.service();
			},
		);
	}

	/** Sends the answer; a separate one holds its place until it is acknowledged or given up. */
	private settle(entry: Waiting, content: Content, now: number): void {
		// Given up already (5.00 went out): the late answer has nowhere to go.
		if (entry.deadline === Infinity) return;
		entry.deadline = Infinity;
		const done = () => this.remove(entry);
		if (entry.ackAt !== Infinity || entry.request.message.type !== m.Type.CON) done();
		this.transport.endpoint.respond(entry.request, content, now, { onAck: done, onReset: done, onTimeout: done });
	}

	nextExpiry(): number {
		const waiting = this.waiting;
		let next = Infinity;
		for (let i = 0; i < waiting.length; i++) {
			const at = waiting[i].ackAt < waiting[i].deadline ? waiting[i].ackAt : waiting[i].deadline;
			if (at < next) next = at;
		}
		return next;
	}

	expire(now: number): void {
		const waiting = this.waiting;
		for (let i = waiting.length - 1; i >= 0; i--) {
			const entry = waiting[i];
			if (entry.ackAt <= now) {
				entry.ackAt = Infinity;
				this.transport.endpoint.acknowledge(entry.request);
			}
			if (entry.deadline <= now) this.settle(entry, { code: m.Code.INTERNAL_SERVER_ERROR, options: [], payload: m.EMPTY_BYTES }, now);
		}
	}

	clear(): void {
		this.waiting.length = 0;
		this.transport.endpoint.stopKeeping(this);
	}

	private remove(entry: Waiting): void {
		const waiting = this.waiting;
		const i = waiting.indexOf(entry);
		if (i >= 0) waiting.splice(i, 1);
		if (waiting.length === 0) this.transport.endpoint.stopKeeping(this);
	}
}
