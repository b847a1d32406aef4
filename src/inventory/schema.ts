import { z } from 'zod';
import { isIP } from 'node:net';

/**
 * The package (one multimedia kiosk in one village office) as stored in the inventory YAML.
 * Pure: no I/O. Cross-record rules (unique id, address:port, serial, MAC; known village) live
 * in validate.ts because they need the whole inventory and the village reference.
 */

// Printable, no shell or path metacharacters: ids end up in file names, logs and remote commands.
export const PACKAGE_ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const VILLAGE_CODE_RE = /^35\.09\.\d{2}\.\d{4}$/;
export const MAC_RE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;
// RFC 1123 host name: labels of letters, digits and hyphens, not starting or ending with a hyphen.
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
export const HOSTNAME_RE = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*\\.?$`);
export const TAG_RE = /^[a-z0-9][a-z0-9_.=-]{0,62}$/;
export const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;
// Plain printable text for free-form fields: no control characters (they break logs and terminals).
const NO_CONTROL_RE = /^[^\u0000-\u001f\u007f]*$/;

export function isHostAddress(v: string): boolean {
  return isIP(v) !== 0 || (HOSTNAME_RE.test(v) && !/^[0-9.]+$/.test(v));
}

const text = (max: number) => z.string().trim().min(1).max(max).regex(NO_CONTROL_RE, 'must not contain control characters');

export const addressSchema = z.string().trim().refine(isHostAddress, 'must be an IP address or an RFC 1123 host name');

export const portSchema = z.coerce.number().int('must be a whole number').min(1, 'must be 1-65535').max(65535, 'must be 1-65535');

export const macSchema = z
  .string()
  .trim()
  .transform((v) => v.toLowerCase().replace(/-/g, ':'))
  .pipe(z.string().regex(MAC_RE, 'must be a MAC address like 00:11:22:33:44:55'));

export const userSchema = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a POSIX user name');

export const hardwareSchema = z
  .object({
    model: text(80)
      .regex(/^[A-Za-z0-9][A-Za-z0-9 .,_()+/:-]*$/, 'must be letters, digits, spaces and . , _ ( ) + / : -')
      .refine((v) => !v.includes('..'), 'must not contain ".."')
      .optional(),
    serial: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be letters, digits, ".", "_" or "-"')
      .optional(),
    mac: macSchema.optional(),
  })
  .strict();

/** Personal data: optional, never logged, never sent to the central API. */
export const custodianSchema = z
  .object({
    name: text(120)
      .regex(/^[\p{L}\p{M}][\p{L}\p{M} .,'-]*$/u, "must be a name (letters, spaces, . , ' -)")
      .optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 -]{6,20}$/, 'must be a phone number')
      .optional(),
  })
  .strict();

/** A jump host: another package's id, or user@host:port. */
export const jumpSchema = z
  .string()
  .trim()
  .regex(/^(?:[a-z_][a-z0-9_-]*@)?[A-Za-z0-9.-]+(?::\d{1,5})?$/, 'must be a package id or [user@]host[:port]');

export const packageSchema = z
  .object({
    id: z.string().regex(PACKAGE_ID_RE, 'must be lower-case letters, digits and "-" (max 63)'),
    village: z.string().regex(VILLAGE_CODE_RE, 'must be a Kemendagri village code like 35.09.13.2006'),
    address: addressSchema,
    port: portSchema.default(22),
    user: userSchema.default('root'),
    hardware: hardwareSchema.default({}),
    tags: z.array(z.string().regex(TAG_RE, 'must be lower-case letters, digits, "_", ".", "=" or "-"')).default([]),
    hostKey: z.string().regex(FINGERPRINT_RE, 'must be an OpenSSH SHA256 fingerprint').optional(),
    jump: jumpSchema.optional(),
    /** how the runner reaches it: directly (default), or through its reverse tunnel to a bastion (docs/reach.md) */
    reach: z.enum(['direct', 'tunnel']).optional(),
    /** with reach: tunnel, a bastion id of bastions.yaml */
    bastion: z.string().regex(PACKAGE_ID_RE, 'must be a bastion id (lower-case letters, digits and "-")').optional(),
    /** with reach: tunnel: this device's keepalive (wins over district and bastion) and the bastion port it tries first (one of the bastion's ports; it still falls back to the others) */
    tunnel: z
      .object({
        interval: z.number().int('must be a whole number of seconds').min(10, 'must be 10-3600 s').max(3600, 'must be 10-3600 s').optional(),
        count: z.number().int('must be a whole number').min(1, 'must be 1-10').max(10, 'must be 1-10').optional(),
        /** the kiosk's TCP keepalive time (s), 0 = off (bastions.yaml keepalive.tcp) */
        tcp: z
          .number()
          .int('must be a whole number of seconds')
          .refine((v) => v === 0 || (v >= 30 && v <= 3600), 'must be 0 (off) or 30-3600 s')
          .optional(),
        port: portSchema.optional(),
      })
      .strict()
      .optional(),
    identityFile: z
      .string()
      .regex(/^[A-Za-z0-9_./~-]{1,4096}$/, 'must be a path of letters, digits, _ . / ~ -')
      .optional(),
    custodian: custodianSchema.optional(),
    /** per-device recipe/template variables (e.g. kiosk listen address on a lab device) */
    vars: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, 'variable names are lower-case words'),
        z.string().max(500).regex(NO_CONTROL_RE, 'must not contain control characters'),
      )
      .optional(),
    registeredAt: z.iso.datetime({ offset: true }),
  })
  .strict();

export type Package = z.infer<typeof packageSchema>;
export type PackageInput = z.input<typeof packageSchema>;

export const inventoryFileSchema = z
  .object({
    packages: z.array(z.unknown()).default([]),
  })
  .passthrough();
