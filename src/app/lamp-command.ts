/**
 * What a message on the lamp topic asks for. Accepts the spellings home-automation
 * tools send ("on"/"off", "1"/"0", "true"/"false", "toggle"), case-insensitive and
 * trimmed; anything else is not a command.
 */
import { readUtf8 } from "../common/utf8";

export type LampCommand = "on" | "off" | "toggle";

const COMMANDS: Readonly<Record<string, LampCommand>> = {
	on: "on",
	"1": "on",
	true: "on",
	off: "off",
	"0": "off",
	false: "off",
	toggle: "toggle",
};

const enum Command {
	/** Longer payloads cannot be a command; this bounds the work spent on junk. */
	LONGEST = 16,
}

export function parseLampCommand(payload: Uint8Array): LampCommand | undefined {
	if (payload.length > Command.LONGEST) return void 0;
	let text: string;
	try {
		text = readUtf8(payload);
	} catch {
		return void 0;
	}
	const key = text.trim().toLowerCase();
	return Object.prototype.hasOwnProperty.call(COMMANDS, key) ? COMMANDS[key] : void 0;
}
