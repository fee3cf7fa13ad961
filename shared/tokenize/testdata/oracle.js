// oracle.js writes oracle.json: the ids that Hugging Face's own tokenizers
// library (its Rust core, through the npm package "tokenizers") gives for
// texts under each tiny-*.json fixture. oracle_test.go checks this
// package against them. It is run by hand after the fixtures change:
//
//   npm install tokenizers@0.23.2   (in a scratch folder, with NODE_PATH to it)
//   node oracle.js
//
// With two arguments it checks another file instead (a real model's, which
// is not committed): node oracle.js path/to/tokenizer.json out.json, for
// go test -tokenizer path/to/tokenizer.json -tokenizer.oracle out.json.
//
// The texts are a fixed list of hard cases, the corpus's lines, and random
// strings drawn with a fixed seed from pieces that stress the split
// patterns (contractions, digit runs, newlines, Unicode spaces and
// letters, marks, added tokens).
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');

const dir = __dirname;
const [, , otherFile, otherOut] = process.argv;
const files = otherFile ? [path.resolve(otherFile)] : fs.readdirSync(dir).filter((f) => /^tiny-.*\.json$/.test(f)).sort();
const outPath = otherFile ? path.resolve(otherOut) : path.join(dir, 'oracle.json');

const fixed = [
  '', ' ', '  ', 'a', ' a', '  a', 'a ', 'a  ', 'hello world', 'Hello  world', ' the end ',
  "it's", "IT'S", "don't", "we'll", "they've", "I'm", "'s", "'sam", "x'S", "ſ", "'ſ", "'\u017Ft",
  '12345', ' 12345', '1 23 456 7890', 'x=1;y=22', '3.14159', '$19.99', '٣٤٥', 'Ⅻ ½',
  'a\nb', 'a\n\nb', 'a \n b', 'a\r\nb', '\n', '\n\n\n', '  \n  x', 'end.\n\nNext', 'x:\n\n',
  'tab\there', '\t\tx', 'nbsp\u00a0x', 'ideo\u3000x', 'line\u2028sep', 'nel\u0085x', 'v\u000bf\u000cx',
  'e\u0301t\u00e9', 'naïve café', '中文 字符', 'emoji 😀😀 ok', 'mixed中a1', '\u00ad', '\u007f',
  '(hello)', '[x] {y}', '...!!!???', ' ...', 'a...b', '--flag', '#tag @user', 'path/to/file.go',
  '<|begin_of_text|>', '<|begin_of_text|>Hello', 'Hi<|eot_id|><|start_header_id|>', '<|endoftext|>x',
  '<|begin_of_text', '<|im_start|>user\nhi<|im_end|>',
  ' <mask> x', 'a  <mask>', 'a<mask>b', '[SEP]  b', '[SEP]', 'qq', 'aqq', 'qq b', 'qq_', '_qq', 'q qq q',
  'zzz', 'abcd', 'ab', 'xab', 'ab cd', 'bcd bcd',
  'The morning train to the coast leaves at 7:45, and it is almost always late.',
  '    indented code\n\tfunc main() {}\n',
  ' lighthouse', 'the lighthouse', 'lighthouse', ' cliffs.', '.:.:', 'a.:.:b', '   x', '   ', ' '.repeat(40) + 'x',
  ' '.repeat(41), '\n'.repeat(30), 'internationalization and supercalifragilistic', 'aaaaaaaaaaaaaaaaaaaaaaaaa',
  'In 2024 there were 5 boats; 1990, 2000, 2010, 2020. Call 555 0100 at 10:45.', '12345678901234567890',
];

const parts = [
  'a', 'b', 'e', 't', 'h', 's', 'S', 'the', ' the', 'The', 'and', ' and', 'train', 'ing', 'LL', 're', 'VE',
  ' ', ' ', '  ', '   ', '\n', '\n\n', '\r\n', '\r', '\t', '\u000b', '\u00a0', '\u3000', '\u2028', '\u0085',
  "'", "'s", "'t", "'re", "'LL", "'d", '1', '12', '1234', '٣', 'Ⅻ', '½', '.', ',', '!', '?', '(', ')', '/', '-', '_',
  ' lighthouse', ' cliffs', '.:.:', '20', '2020', '100', ':45', 'é', 'ü', 'e\u0301', 'ß', 'İ', 'ſ', '中', '文', '😀', 'Ω', 'ǅ', 'ʰ', '\u00ad',
  '<|begin_of_text|>', '<|eot_id|>', '<|endoftext|>', '<|im_end|>', '<mask>', '[SEP]', 'qq', 'zz', 'ab', 'bcd',
];

function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = mulberry32(20260101);
const random = [];
for (let i = 0; i < (otherFile ? 5000 : 200); i++) {
  let s = '';
  const n = 1 + Math.floor(rnd() * 12);
  for (let k = 0; k < n; k++) s += parts[Math.floor(rnd() * parts.length)];
  random.push(s);
}
const corpus = fs.readFileSync(path.join(dir, 'corpus.txt'), 'utf8').split('\n').filter((l) => l);
const texts = [...fixed, ...corpus, ...random];

(async () => {
  const cases = [];
  for (const f of files) {
    const tk = Tokenizer.fromFile(path.resolve(dir, f));
    for (const text of texts) {
      const e = await tk.encode(text, null, { addSpecialTokens: false });
      cases.push({ file: path.basename(f), text, ids: Array.from(e.getIds()) });
    }
  }
  const version = require('tokenizers/package.json').version;
  const out = { generator: `tokenizers (npm) ${version}`, cases };
  const lines = ['{', `  "generator": ${JSON.stringify(out.generator)},`, '  "cases": ['];
  cases.forEach((c, i) => lines.push('    ' + JSON.stringify(c) + (i + 1 < cases.length ? ',' : '')));
  lines.push('  ]', '}', '');
  fs.writeFileSync(outPath, lines.join('\n'));
  console.log(`${cases.length} cases from ${files.length} files`);
})();
