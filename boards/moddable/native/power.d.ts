/** Types of power.js: the native deep sleep and retained memory of each chip. */
import type { NativePowerBinding } from "../chip";

declare const NativePower: NativePowerBinding;
export default NativePower;
