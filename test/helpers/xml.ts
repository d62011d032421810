// A small strict XML parser for the tests of the drawings: elements, attributes and text, refusing what a browser's
// or librsvg's XML parser refuses (unbalanced tags, unquoted or repeated attributes, an unknown entity, a bare '&' or '<').
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, at: number): string {
  return s.replace(/&([^;]*);|&/g, (m, name: string | undefined) => {
    if (name === undefined) throw new Error(`XML: bare '&' near offset ${at}`);
    if (name in entities) return entities[name];
    if (/^#\d+$/.test(name)) return String.fromCodePoint(Number(name.slice(1)));
    if (/^#x[0-9a-fA-F]+$/.test(name)) return String.fromCodePoint(parseInt(name.slice(2), 16));
    throw new Error(`XML: unknown entity ${m} near offset ${at}`);
  });
}

export function parseXml(src: string): XmlElement {
  let at = 0;
  const skipProlog = () => {
    for (;;) {
      while (/\s/.test(src[at] ?? '')) at++;
      if (src.startsWith('<?', at)) at = src.indexOf('?>', at) + 2;
      else if (src.startsWith('<!--', at)) at = src.indexOf('-->', at) + 3;
      else if (src.startsWith('<!DOCTYPE', at)) at = src.indexOf('>', at) + 1;
      else return;
    }
  };
  const element = (): XmlElement => {
    const m = /^<([A-Za-z_][\w:.-]*)/.exec(src.slice(at));
    if (!m) throw new Error(`XML: expected an element at offset ${at}`);
    at += m[0].length;
    const el: XmlElement = { name: m[1], attrs: {}, children: [], text: '' };
    for (;;) {
      const a = /^\s+([A-Za-z_][\w:.-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(src.slice(at));
      if (!a) break;
      if (a[1] in el.attrs) throw new Error(`XML: attribute ${a[1]} repeated on <${el.name}>`);
      el.attrs[a[1]] = decode(a[3] ?? a[4], at);
      at += a[0].length;
    }
    while (/\s/.test(src[at])) at++;
    if (src.startsWith('/>', at)) {
      at += 2;
      return el;
    }
    if (src[at] !== '>') throw new Error(`XML: malformed tag <${el.name}> at offset ${at}`);
    at++;
    for (;;) {
      const lt = src.indexOf('<', at);
      if (lt < 0) throw new Error(`XML: <${el.name}> is not closed`);
      el.text += decode(src.slice(at, lt), at);
      at = lt;
      if (src.startsWith('</', at)) {
        const close = /^<\/([A-Za-z_][\w:.-]*)\s*>/.exec(src.slice(at));
        if (!close || close[1] !== el.name) throw new Error(`XML: </${close?.[1]}> closes <${el.name}> at offset ${at}`);
        at += close[0].length;
        return el;
      }
      if (src.startsWith('<!--', at)) {
        at = src.indexOf('-->', at) + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  skipProlog();
  const root = element();
  skipProlog();
  if (at !== src.length) throw new Error(`XML: content after the root element at offset ${at}`);
  return root;
}

/** Every element under `el` (itself included) that satisfies `pred`, in document order. */
export function findAll(el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (pred(e)) out.push(e);
    e.children.forEach(walk);
  };
  walk(el);
  return out;
}

export const hasClass = (e: XmlElement, c: string) => (e.attrs.class ?? '').split(/\s+/).includes(c);

/** The points of an SVG path made of M, L and C commands (C's end points; its control points are returned apart). */
export function pathPoints(d: string): { commands: string[]; points: [number, number][]; controls: [number, number][] } {
  const tokens = d.match(/[MLC]|-?\d+(?:\.\d+)?(?:e-?\d+)?/g) ?? [];
  const commands: string[] = [];
  const points: [number, number][] = [];
  const controls: [number, number][] = [];
  let cmd = '';
  let nums: number[] = [];
  const flush = () => {
    if (!cmd) return;
    const per = cmd === 'C' ? 6 : 2;
    if (nums.length % per !== 0 || nums.length === 0) throw new Error(`path: ${cmd} with ${nums.length} numbers`);
    for (let k = 0; k < nums.length; k += per) {
      commands.push(cmd);
      if (cmd === 'C') controls.push([nums[k], nums[k + 1]], [nums[k + 2], nums[k + 3]]);
      points.push([nums[k + per - 2], nums[k + per - 1]]);
    }
  };
  for (const t of tokens) {
    if (/^[MLC]$/.test(t)) {
      flush();
      cmd = t;
      nums = [];
    } else nums.push(Number(t));
  }
  flush();
  return { commands, points, controls };
}
