// Every icon Ferry ships, made from one source image: build/icon.svg.
//   build/icon.png (1024 px), build/icons/<n>x<n>.png (Linux), build/icon.icns (macOS),
//   build/icon.ico (Windows), renderer/app/logo.svg, and the tray icons in
//   renderer/public/tray/ (healthy, failing: a red dot, paused: a grey dot; 1x and 2x PNG, and
//   an .ico with every size Windows draws a tray icon at).
// Run after changing the source: node scripts/icons.mjs (the results are committed).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import png2icons from 'png2icons';

const source = await readFile('build/icon.svg', 'utf8');
const png = (svg, size) =>
  new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng();

await mkdir('build/icons', { recursive: true });
for (const size of [16, 32, 48, 64, 128, 256, 512, 1024])
  await writeFile(`build/icons/${size}x${size}.png`, png(source, size));
const large = png(source, 1024);
await writeFile('build/icon.png', large);
await writeFile('build/icon.icns', png2icons.createICNS(large, png2icons.BICUBIC, 0));
await writeFile('build/icon.ico', png2icons.createICO(large, png2icons.BICUBIC, 0, false, true));
await writeFile(
  'renderer/app/logo.svg',
  source.replace(/width="\d+" height="\d+"/, 'width="64" height="64"'),
);

// Tray: the same mark with a status dot in its lower right corner.
const dot = (fill) =>
  source.replace(
    '</svg>',
    `<circle cx="50" cy="50" r="13" fill="${fill}" stroke="#fff" stroke-width="4"/></svg>`,
  );
const tray = { ok: source, failing: dot('#d91515'), paused: dot('#8d99a8') };
await mkdir('renderer/public/tray', { recursive: true });
for (const [name, svg] of Object.entries(tray)) {
  await writeFile(`renderer/public/tray/${name}.png`, png(svg, 16));
  await writeFile(`renderer/public/tray/${name}@2x.png`, png(svg, 32));
  // Windows picks the size for the display's scale from the .ico (16, 20, 24, 32 … px).
  await writeFile(
    `renderer/public/tray/${name}.ico`,
    png2icons.createICO(png(svg, 256), png2icons.BICUBIC, 0, false, true),
  );
}
console.log(
  'icons: build/icon.{png,icns,ico}, build/icons/, renderer/app/logo.svg, renderer/public/tray/',
);
