/**
 * The lab's booted device, published for the demo and the booted test tier: a bare Debian 12
 * machine under QEMU (src/lab/vm/), its inventory entry, the test portal and the screen checks.
 */
export { type BootedDevice, type BootedDeviceOptions, startBootedDevice, waitForScreen, GUEST_APT_PROXY, GUEST_PORTAL } from './vm/vm.js';
export { registerBootedDevice, bootedPackage } from './vm/inventory.js';
export { PORTAL_COLOUR, PORTAL_TITLE } from './vm/portal.js';
export { colourShare, dominantColour, pngToRgb, type Rgb } from './vm/screen.js';
