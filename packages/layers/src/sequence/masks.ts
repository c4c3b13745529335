/**
 * Attention-mask checks shared by MultiheadAttention and the Transformer layers (internal; not
 * re-exported), so each layer's message names the option its caller passed.
 * @module
 */
import { DTypeError, ShapeError, Tensor, ValueError, formatShape } from "@backprop/core";

/** Throws the standard shape error for a named input: `<where>: expected <what> <expected>, got <shape>`. */
export function badShape(where: string, what: string, expected: string, x: Tensor): never {
  throw new ShapeError(`${where}: expected ${what} ${expected}, got ${formatShape(x.shape)}`);
}

/** The sizes the masks are checked against: batch n (1 unbatched), heads h, query length l, key length s. */
export interface MaskSizes {
  batched: boolean;
  n: number;
  h: number;
  l: number;
  s: number;
}

function checkMask(where: string, name: string, m: unknown): Tensor {
  if (!(m instanceof Tensor)) throw new ValueError(`${where}: ${name} must be a tensor; got ${m === null ? "null" : typeof m}`);
  if (m.dtype !== "bool" && m.dtype !== "float32" && m.dtype !== "float64") {
    throw new DTypeError(`${where}: ${name} must be bool (true = not allowed) or float (added to the scores); got ${m.dtype}`);
  }
  return m;
}

/**
 * Checks an attention mask ([L, S] or [N * H, L, S]; unbatched [H, L, S]) and a key padding
 * mask ([N, S]; unbatched [S]) and returns them as [N or 1, H or 1, L, S] views that broadcast
 * against the scores [N, H, L, S].
 * @throws {ShapeError} for a mask of the wrong shape; {@link DTypeError} for one neither bool nor float.
 */
export function attentionMasks(
  where: string,
  names: { attention: string; keyPadding: string },
  attentionMask: Tensor | null | undefined,
  keyPaddingMask: Tensor | null | undefined,
  { batched, n, h, l, s }: MaskSizes,
): Tensor[] {
  const out: Tensor[] = [];
  if (attentionMask !== null && attentionMask !== undefined) {
    const am = checkMask(where, names.attention, attentionMask);
    const perHead = batched ? n * h : h;
    const fits = (am.rank === 2 && am.shape[0] === l && am.shape[1] === s) || (am.rank === 3 && am.shape[0] === perHead && am.shape[1] === l && am.shape[2] === s);
    if (!fits) badShape(where, names.attention, `[L, S] = ${formatShape([l, s])} or [${batched ? "N * numHeads" : "numHeads"}, L, S] = ${formatShape([perHead, l, s])}`, am);
    out.push(am.rank === 2 ? am.reshape([1, 1, l, s]) : am.reshape([n, h, l, s]));
  }
  if (keyPaddingMask !== null && keyPaddingMask !== undefined) {
    const kpm = checkMask(where, names.keyPadding, keyPaddingMask);
    const shape = batched ? [n, s] : [s];
    if (kpm.rank !== shape.length || kpm.shape.some((d, i) => d !== shape[i])) badShape(where, names.keyPadding, `${batched ? "[N, S]" : "[S]"} = ${formatShape(shape)}`, kpm);
    out.push(kpm.reshape([n, 1, 1, s]));
  }
  return out;
}
