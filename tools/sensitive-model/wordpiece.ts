// BERT WordPiece tokenization as configured by a Hugging Face tokenizer.json with a BertNormalizer
// (lower case, accents stripped), a BertPreTokenizer and a WordPiece model: what the MiniLM family
// expects. Written here because the measured package ships only the model and its tokenizer.json.

interface TokenizerJson {
  normalizer?: { type?: string; lowercase?: boolean; strip_accents?: boolean | null; handle_chinese_chars?: boolean };
  pre_tokenizer?: { type?: string };
  model: { type: string; vocab: Record<string, number>; unk_token: string; continuing_subword_prefix: string; max_input_chars_per_word: number };
}

export interface Encoding {
  ids: number[];
  /** How many word pieces came out as the unknown token (a model with no vocabulary for a script). */
  unknown: number;
}

// BERT's clean_text: tab, newline and carriage return are whitespace; other control characters go.
const CONTROL = /(?![\t\n\r])[\p{Cc}\p{Cf}]/gu;
const COMBINING_MARK = /\p{Mn}/gu;

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** BERT's punctuation: every non-alphanumeric ASCII symbol, and Unicode punctuation. */
function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(ch);
}

export class WordPieceTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly unkId: number;
  private readonly clsId: number;
  private readonly sepId: number;
  private readonly prefix: string;
  private readonly maxChars: number;
  private readonly lowercase: boolean;
  private readonly stripAccents: boolean;

  constructor(json: TokenizerJson) {
    if (json.model.type !== 'WordPiece') throw new Error(`tokenizer model ${json.model.type} is not WordPiece`);
    if (json.normalizer?.type !== 'BertNormalizer' || json.pre_tokenizer?.type !== 'BertPreTokenizer') {
      throw new Error('tokenizer.json is not a BERT normalizer + pre-tokenizer');
    }
    this.vocab = new Map(Object.entries(json.model.vocab));
    const id = (t: string) => {
      const v = this.vocab.get(t);
      if (v === undefined) throw new Error(`vocabulary lacks ${t}`);
      return v;
    };
    this.unkId = id(json.model.unk_token);
    this.clsId = id('[CLS]');
    this.sepId = id('[SEP]');
    this.prefix = json.model.continuing_subword_prefix;
    this.maxChars = json.model.max_input_chars_per_word;
    this.lowercase = json.normalizer.lowercase !== false;
    // As in the reference implementation: unset strip_accents follows lowercase.
    this.stripAccents = json.normalizer.strip_accents ?? this.lowercase;
  }

  /** [CLS] pieces… [SEP], at most maxLength ids. */
  encode(text: string, maxLength = 128): Encoding {
    const ids: number[] = [this.clsId];
    let unknown = 0;
    for (const word of this.words(text)) {
      for (const piece of this.pieces(word)) {
        if (ids.length >= maxLength - 1) break;
        if (piece === this.unkId) unknown++;
        ids.push(piece);
      }
    }
    ids.push(this.sepId);
    return { ids, unknown };
  }

  private normalize(text: string): string {
    let out = '';
    for (const ch of text.replace(CONTROL, '')) {
      const cp = ch.codePointAt(0) ?? 0;
      if (/\s/u.test(ch)) out += ' ';
      else if (isCjk(cp)) out += ` ${ch} `;
      else out += ch;
    }
    if (this.lowercase) out = out.toLowerCase();
    if (this.stripAccents) out = out.normalize('NFD').replace(COMBINING_MARK, '');
    return out;
  }

  /** Whitespace split, then every punctuation character as its own word. */
  private words(text: string): string[] {
    const out: string[] = [];
    for (const chunk of this.normalize(text).split(' ')) {
      let current = '';
      for (const ch of chunk) {
        if (isPunctuation(ch)) {
          if (current) out.push(current);
          out.push(ch);
          current = '';
        } else current += ch;
      }
      if (current) out.push(current);
    }
    return out;
  }

  /** Greedy longest-match-first; a word with an unmatched remainder is one unknown token. */
  private pieces(word: string): number[] {
    const chars = [...word];
    if (chars.length > this.maxChars) return [this.unkId];
    const out: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const sub = (start > 0 ? this.prefix : '') + chars.slice(start, end).join('');
        found = this.vocab.get(sub);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unkId];
      out.push(found);
      start = end;
    }
    return out;
  }
}
