/**
 * A subscription the lamp cannot do without (its command topic): a broker that refuses it
 * (SUBACK 0x80, an MQTT-SN SUBACK rejected, or still congested) would leave the lamp deaf until reboot, so the
 * refusal is reported as a typed event and the subscription is asked for again with
 * backoff (an ACL or a broker's limits may change), until granted or the uplink stops.
 *
 * Event: `subscription-refused` with `code`, `topic`, `attempt` and `retryInMs`.
 */
import { Backoff } from "../common/backoff";
import type { Board, TimerHandle } from "../common/board";
import { ProtocolError } from "../common/errors";

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
