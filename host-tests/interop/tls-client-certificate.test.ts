/**
 * TLS client certificates (brokerCert, brokerKey) against a real mosquitto whose TLS
 * listener has require_certificate true, with certificates made by openssl at test time:
 * the right certificate switches the lamp; none, or one from another CA, is refused with
 * TLS_CLIENT_CERTIFICATE_REFUSED; a key that does not fit is a ConfigError on brokerKey.
 * Nothing the firmware logs ever holds a byte of the key.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { hostConfig } from "../../boards/host/config";
import { makeCertificates, makeClientCertificates, type Certificates, type ClientCertificates } from "../../testkit/peers/certs";
import { Mosquitto } from "../../testkit/peers/mosquitto";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { FirmwareUnderTest, Observer } from "./harness";

/** Every line of the key's base64 body: none may show up anywhere in what the firmware logged. */
function keyLines(key: string): string[] {
	return key.split("\n").filter((line) => line.length > 16 && !line.startsWith("-----"));
}

function expectNoKeyIn(firmware: FirmwareUnderTest, key: string): void {
	const logged = JSON.stringify(firmware.events);
	for (const line of keyLines(key)) expect(logged).not.toContain(line);
	expect(logged).not.toContain("PRIVATE KEY");
}

describeWithPeers("TLS client certificates: mosquitto with require_certificate", ["mosquitto", "openssl"], () => {
	let broker: Mosquitto;
	let certs: Certificates;
	let client: ClientCertificates;

	beforeAll(async () => {
		certs = makeCertificates();
		client = makeClientCertificates(certs);
		broker = await Mosquitto.start({ tls: certs, requireCertificate: true });
	});
	afterAll(async () => {
		await broker?.stop();
	});

	const tlsUrl = () => `mqtts://localhost:${broker.tlsPort}`;

	it("switches the lamp with a certificate from the broker's CA, its key never logged", async () => {
		// As `npm start` gets them: file paths, read by the host board's config.
		const keyFile = join(certs.dir, "client-for-config.key");
		writeFileSync(keyFile, client.key);
		const certFile = join(certs.dir, "client-for-config.crt");
		writeFileSync(certFile, client.cert);
		const config = hostConfig([`broker=${tlsUrl()}`, `brokerCa=${certs.caFile}`, `brokerCert=${certFile}`, `brokerKey=${keyFile}`, "lampTopic=cert/lamp"]);
		const firmware = new FirmwareUnderTest(config);
		await firmware.waitFor("connected");
		const observer = await Observer.connect(broker.url);
		await observer.subscribe("cert/lamp/state");
		await observer.client.publishAsync("cert/lamp", "on", { qos: 1 });
		await observer.waitFor("cert/lamp/state", "on");
		await firmware.app.stop();
		await observer.close();
		expectNoKeyIn(firmware, client.key);
	});

	it("is refused with a certificate from another CA (TLS_CLIENT_CERTIFICATE_REFUSED), and without one (a TLS error, never CONNECTION_LOST)", async () => {
		// With a certificate the host speaks TLS 1.2: the refusal is the broker's alert, every time.
		// Without one it is TLS 1.3, where the alert can lose to the broker's reset (tls.ts, Tls13Verdict).
		for (const [extra, codes] of [
			[{ brokerCert: client.otherCert, brokerKey: client.otherKey }, ["TLS_CLIENT_CERTIFICATE_REFUSED"]],
			[{}, ["TLS_CLIENT_CERTIFICATE_REFUSED", "TLS_HANDSHAKE_FAILED"]],
		] as const) {
			const firmware = new FirmwareUnderTest({ broker: tlsUrl(), brokerCa: certs.ca, lampTopic: "refused/lamp", reconnectBase: 5000, ...extra });
			const error = await firmware.waitFor("error");
			expect(codes).toContain(error.code);
			expect(firmware.count("connected")).toBe(0);
			await firmware.app.stop();
			expectNoKeyIn(firmware, client.otherKey);
		}
	});

	it("tells a key that does not fit the certificate, or is not a key, as a ConfigError on brokerKey, without its bytes", async () => {
		for (const key of [client.otherKey, client.key.replace("PRIVATE KEY-----\n", "PRIVATE KEY-----\nAAAA")]) {
			const firmware = new FirmwareUnderTest({ broker: tlsUrl(), brokerCa: certs.ca, brokerCert: client.cert, brokerKey: key, reconnectBase: 5000 });
			const error = await firmware.waitFor("error");
			expect(error.code).toBe("CONFIG");
			expect(String(error.message)).toContain('"brokerKey"');
			await firmware.app.stop();
			expectNoKeyIn(firmware, key);
		}
	});
});
