// @ts-check
// typedoc plugin: documents the kernel members of `Backend`. They come from mapped types
// over the kernel-name unions (a missing kernel is then a compile error), and typedoc keeps
// no comment for members of a mapped type reached through an intersection. Each such member
// gets a one-line summary naming its family, so `validation.notDocumented` stays strict for
// everything else.
import { Comment, Converter, ReflectionKind } from "typedoc";

/** Kernel-name unions, the words for their members, and the type that documents the family. */
const families = {
  UnaryOp: ["elementwise unary kernel", "UnaryKernels"],
  BinaryOp: ["broadcasting binary kernel", "BinaryKernels"],
  ReduceOp: ["reduction kernel over a set of axes", "ReduceKernels"],
  ArgReduceOp: ["index reduction kernel along one axis", "ArgReduceKernels"],
};

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const project = context.project;
    const aliases = project.getReflectionsByKind(ReflectionKind.TypeAlias);
    /** @type {Map<string, [string, import("typedoc").Reflection | undefined]>} */
    const familyOf = new Map();
    for (const [union, [words, familyType]] of Object.entries(families)) {
      const target = aliases.find((a) => a.name === familyType);
      for (const alias of aliases) {
        const type = /** @type {import("typedoc").DeclarationReflection} */ (alias).type;
        if (alias.name !== union || type?.type !== "union") continue;
        for (const t of type.types) if (t.type === "literal" && typeof t.value === "string") familyOf.set(t.value, [words, target]);
      }
    }
    if (familyOf.size === 0) return;
    for (const iface of project.getReflectionsByKind(ReflectionKind.Interface)) {
      if (iface.name !== "Backend") continue;
      for (const child of /** @type {import("typedoc").DeclarationReflection} */ (iface).children ?? []) {
        const family = familyOf.get(child.name);
        if (!family || child.kind !== ReflectionKind.Property || child.comment) continue;
        const [words, target] = family;
        /** @type {import("typedoc").CommentDisplayPart[]} */
        const parts = [{ kind: "text", text: `The ${words} \`${child.name}\`` }];
        if (target) parts.push({ kind: "text", text: " (see " }, { kind: "inline-tag", tag: "@link", text: target.name, target }, { kind: "text", text: ")" });
        parts.push({ kind: "text", text: "." });
        child.comment = new Comment(parts);
      }
    }
  });
}
