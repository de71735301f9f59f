// The variables an openrc exports (`export K=V` lines), as `source openrc` would set them.
export function openrcEnv(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^export ([A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}
