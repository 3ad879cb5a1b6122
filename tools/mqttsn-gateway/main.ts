/**
 * The MQTT-SN gateway as a program:
 *
 *   tsx tools/mqttsn-gateway/main.ts --broker mqtt://127.0.0.1:1883 [--port 1883] [--host 127.0.0.1]
 *       [--config gateway.json] [--advertise host:port]... [--advertise-interval 900]
 *       [--gw-id 1] [--t-retry ms] [--n-retry n]
 *
 * Prints one JSON line per event ("gateway-ready" with the port first). SIGINT/SIGTERM
 * close every client's broker connection cleanly, then exit.
 */
import { parseArgs } from "node:util";
import { parseEndpoint, readGatewayConfig, type GatewayFileConfig } from "./config";
import { MqttSnGateway } from "./gateway";

const { values } = parseArgs({
	options: {
		broker: { type: "string", default: "mqtt://127.0.0.1:1883" },
		port: { type: "string", default: "1883" },
		host: { type: "string", default: "127.0.0.1" },
		config: { type: "string" },
		advertise: { type: "string", multiple: true, default: [] },
		"advertise-interval": { type: "string" },
		"gw-id": { type: "string" },
		"t-retry": { type: "string" },
		"n-retry": { type: "string" },
	},
});

const log = (event: string, fields: Readonly<Record<string, unknown>> = {}) => process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");

let file: GatewayFileConfig = {};
try {
	if (values.config) file = readGatewayConfig(values.config);
	const targets = (values.advertise ?? []).map(parseEndpoint);
	const interval = values["advertise-interval"] ? Number(values["advertise-interval"]) : (file.advertise?.interval ?? 900);
	const gateway = await MqttSnGateway.start({
		...file,
		broker: values.broker ?? "mqtt://127.0.0.1:1883",
		port: Number(values.port),
		host: values.host,
		gwId: values["gw-id"] ? Number(values["gw-id"]) : file.gwId,
		tRetry: values["t-retry"] ? Number(values["t-retry"]) : file.tRetry,
		nRetry: values["n-retry"] ? Number(values["n-retry"]) : file.nRetry,
		advertise: targets.length > 0 ? { interval, targets } : file.advertise,
		log,
	});
	const stop = () => {
		gateway.close().then(() => process.exit(0));
		setTimeout(() => process.exit(0), 3000).unref();
	};
	process.on("SIGINT", stop);
	process.on("SIGTERM", stop);
} catch (error) {
	log("error", { message: error instanceof Error ? error.message : String(error) });
	process.exit(2);
}
