// Errors of the JS API. Bad input throws a TypeError (wrong kind) or a RangeError (wrong size or
// value) whose message names the class or function, the argument and what was expected, and
// which carries `module` and `argument` fields so a caller can point at the field without
// parsing the message (shared/API.md, "Errors"). Checks of JavaScript kinds live here; every
// numeric rule is checked once, in the C++ core, and its errors arrive through `unwrap`.

/** A TypeError or RangeError carrying `module` and, where there is one, `argument` (and `options.cause`). */
export function apiError(Kind, module, argument, message, options) {
  const err = new Kind(message, options);
  err.module = module;
  if (argument !== undefined && argument !== null && argument !== '') err.argument = argument;
  return err;
}

// The core's answer {error: 'type' | 'range', message, module, argument} becomes a thrown error;
// anything else is returned as it is.
export function unwrap(result) {
  if (result !== null && typeof result === 'object' && typeof result.error === 'string') {
    throw apiError(result.error === 'type' ? TypeError : RangeError, result.module, result.argument, result.message);
  }
  return result;
}

export function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'bigint') return `a BigInt (${v}n)`;
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)})`;
  return typeof v === 'object' ? `an object (${v.constructor?.name ?? 'Object'})` : `${typeof v} (${String(v)})`;
}

export function requireNumber(module, arg, v) {
  if (typeof v !== 'number') throw apiError(TypeError, module, arg, `${module}: ${arg} must be a number, got ${describe(v)}`);
  return v;
}

// A number (else TypeError) that is an integer in [min, max] (else RangeError).
export function requireIntegerIn(module, arg, v, min, max, maxText = String(max)) {
  requireNumber(module, arg, v);
  if (!Number.isInteger(v) || v < min || v > max)
    throw apiError(RangeError, module, arg, `${module}: ${arg} (${v}) must be an integer in [${min}, ${maxText}]`);
  return v;
}

export function requireBoolean(module, arg, v) {
  if (typeof v !== 'boolean') throw apiError(TypeError, module, arg, `${module}: ${arg} must be a boolean, got ${describe(v)}`);
  return v;
}

// An options object: undefined gives {}; anything but a plain object is a TypeError.
export function requireOptions(module, opts, example = '') {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts))
    throw apiError(TypeError, module, 'options', `${module}: options must be an object${example ? ` like ${example}` : ''}, got ${describe(opts)}`);
  return opts;
}
