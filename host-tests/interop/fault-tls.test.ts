/**
 * mqtts against mosquitto with certificates made at test time: the right CA connects;
 * another CA, another host name and an expired certificate are refused with the typed
 * TLS_CERTIFICATE_REJECTED and the reason in words, and never connect. In every case the
 * broker password, which the firmware holds, appears in no log event and no error.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeCertificates, type Certificates } from "../../testkit/peers/certs";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { FirmwareUnderTest } from "./harness";

const PASSWORD = "tr0ub4dor&3-never-print-me";

describeWithPeers("Faults: TLS certificates", ["mosquitto", "openssl"], () => {
	let certs: Certificates;
	let broker: Mosquitto;
	let expiredBroker: Mosquitto;

	beforeAll(async () => {
		certs = makeCertificates();
		broker = await Mosquitto.start({ tls: certs });
		expiredBroker = await Mosquitto.start({ tls: { ...certs, certFile: certs.expiredCertFile } });
	});
	afterAll(async () => {
		await broker?.stop();
		await expiredBroker?.stop();
	});

	const firmware = (url: string, ca: string) =>
		new FirmwareUnderTest({ broker: url, brokerCa: ca, brokerUsername: "lamp", brokerPassword: PASSWORD, lampTopic: "tls/lamp", reconnectBase: 5000 });

	it("connects with the right CA, and logs no password", async () => {
		const device = firmware(`mqtts://localhost:${broker.tlsPort}`, certs.ca);
		await device.waitFor("connected");
		await device.app.stop();
		expect(JSON.stringify(device.events)).not.toContain(PASSWORD);
	});

	for (const [name, url, ca, reason] of [
		["another CA", () => `mqtts://localhost:${broker.tlsPort}`, () => certs.otherCa, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT_IN_CHAIN/],
		["another host name", () => `mqtts://127.0.0.1:${broker.tlsPort}`, () => certs.ca, /ERR_TLS_CERT_ALTNAME_INVALID/],
		["an expired certificate", () => `mqtts://localhost:${expiredBroker.tlsPort}`, () => certs.ca, /CERT_HAS_EXPIRED/],
	] as const) {
		it(`refuses ${name} with TLS_CERTIFICATE_REJECTED, naming no password`, async () => {
			const device = firmware(url(), ca());
			const error = await device.waitFor("error");
			expect(error.code).toBe("TLS_CERTIFICATE_REJECTED");
			expect(String(error.message)).toMatch(reason);
			expect(device.count("connected")).toBe(0);
			await device.app.stop();
			expect(JSON.stringify(device.events)).not.toContain(PASSWORD);
			console.log(`TLS, ${name}: ${String(error.message)}`);
		});
	}
});
