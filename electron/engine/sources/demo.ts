import { hourIndex, type MergedId } from '../../../shared/model/export-format';
import type { EventSource, NamedStream, SourceHour } from './types';

export interface DemoOptions {
  /** The project id written as `app`. */
  projectId: number;
  seed: number;
  eventsPerHour: number;
  /** Share of events that repeat an earlier event of the hour (a resend with the same `$insert_id`). */
  duplicateRate?: number;
  /** Share of users whose events carry a second Amplitude ID that the hour merges. */
  mergeRate?: number;
}

const HOUR_MS = 3_600_000;
const CHUNK_CHARS = 1 << 20;

/**
 * Built-in sample data: realistic events in the full export schema, the same for the same seed
 * and hour, so a new user sees real files before connecting anything, and tests and the
 * benchmark have a reproducible input. About 1.5 KB per event.
 */
export class DemoSource implements EventSource {
  readonly kind = 'demo';
  readonly settleDelayMs = 0;
  readonly mixedHours = false;

  constructor(private readonly options: DemoOptions) {}

  async open(hour: string, signal: AbortSignal): Promise<SourceHour> {
    signal.throwIfAborted();
    return {
      events: () => this.streams(hour, signal),
      mergedIds: async () => this.mergedIds(hour),
      close: async () => undefined,
    };
  }

  /** A fresh generator per read: the same hour reads the same every time. */
  private async *streams(hour: string, signal: AbortSignal): AsyncGenerator<NamedStream> {
    yield { name: `demo ${hour}`, chunks: this.generate(hour, signal) };
  }

  private mergedIds(hour: string): MergedId[] {
    const plan = new HourPlan(this.options, hour);
    const merges: MergedId[] = [];
    for (const user of plan.mergedUsers()) {
      const time = plan.startMs + Math.floor(plan.fraction(user) * HOUR_MS);
      merges.push({
        scope: this.options.projectId,
        merge_time: time - 1500,
        merge_server_time: time,
        amplitude_id: plan.amplitudeId(user),
        merged_amplitude_id: plan.secondAmplitudeId(user),
      });
    }
    return merges.sort(
      (a, b) => a.merge_server_time - b.merge_server_time || a.amplitude_id - b.amplitude_id,
    );
  }

  /** The hour's NDJSON in ~1 MiB chunks. */
  async *generate(hour: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const plan = new HourPlan(this.options, hour);
    const recent: string[] = [];
    let text = '';
    for (let n = 0; n < plan.events; n++) {
      let line: string;
      if (recent.length > 0 && plan.random() < plan.duplicateRate) {
        line = recent[Math.floor(plan.random() * recent.length)]!;
      } else {
        line = plan.event(n);
        if (recent.length < 64) recent.push(line);
        else recent[n % 64] = line;
      }
      text += line;
      if (text.length >= CHUNK_CHARS) {
        signal?.throwIfAborted();
        yield Buffer.from(text);
        text = '';
      }
    }
    signal?.throwIfAborted();
    if (text.length > 0) yield Buffer.from(text);
  }
}

const CITIES: [string, string, string][] = [
  ['San Francisco', 'California', 'United States'],
  ['New York', 'New York', 'United States'],
  ['Austin', 'Texas', 'United States'],
  ['Berlin', 'Berlin', 'Germany'],
  ['London', 'England', 'United Kingdom'],
  ['Paris', 'Ile-de-France', 'France'],
  ['Tokyo', 'Tokyo', 'Japan'],
  ['Sao Paulo', 'Sao Paulo', 'Brazil'],
  ['Toronto', 'Ontario', 'Canada'],
  ['Sydney', 'New South Wales', 'Australia'],
];
const EVENT_TYPES = [
  'session_start',
  'page_view',
  'search',
  'add_to_cart',
  'checkout_started',
  'purchase',
  'signup',
  'invite_sent',
  'feature_used',
  'session_end',
];
const PLATFORMS: [string, string, string, string, string][] = [
  ['Web', 'Chrome', '131', 'Mac', 'Apple'],
  ['Web', 'Firefox', '133', 'Windows', 'Microsoft'],
  ['iOS', 'ios', '18.1', 'iPhone 15', 'Apple'],
  ['Android', 'android', '14', 'Pixel 8', 'Google'],
];
const PLANS = ['free', 'starter', 'pro', 'enterprise'];
const WORDS = [
  'analytics',
  'export',
  'bucket',
  'dashboard',
  'cohort',
  'funnel',
  'retention',
  'insight',
  'segment',
  'journey',
];

/** Everything random about one hour, drawn from a generator seeded by (seed, project, hour). */
class HourPlan {
  readonly events: number;
  readonly duplicateRate: number;
  readonly startMs: number;
  private readonly users: number;
  private readonly mergeRate: number;
  private state: number;
  private readonly projectId: number;

  constructor(options: DemoOptions, hour: string) {
    const index = hourIndex(hour);
    this.startMs = index * HOUR_MS;
    this.projectId = options.projectId;
    this.state = mix(options.seed ^ mix(index) ^ mix(options.projectId * 7919)) || 1;
    this.events = options.eventsPerHour;
    this.duplicateRate = options.duplicateRate ?? 0.01;
    this.mergeRate = options.mergeRate ?? 0.01;
    this.users = Math.max(20, Math.ceil(this.events / 12));
  }

  /** mulberry32 */
  random(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private pick<T>(list: T[]): T {
    return list[this.int(list.length)]!;
  }

  private hex(length: number): string {
    let out = '';
    while (out.length < length)
      out += ((this.random() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
    return out.slice(0, length);
  }

  private uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** Users are fixed per hour, not drawn: user k keeps its ids across the hour. */
  amplitudeId(user: number): number {
    return 100_000_000 + (((user * 2654435761) % 900_000_000) >>> 0);
  }

  secondAmplitudeId(user: number): number {
    return this.amplitudeId(user) + 1_000_000_000;
  }

  private isMerged(user: number): boolean {
    return (mix(user * 31 + this.projectId) >>> 0) / 4294967296 < this.mergeRate;
  }

  /** Where in the hour a merged user's second id first shows (0..1), fixed per user. */
  fraction(user: number): number {
    return ((mix(user * 17 + 3) >>> 0) % 1000) / 1000;
  }

  *mergedUsers(): Generator<number> {
    for (let user = 0; user < this.users; user++) if (this.isMerged(user)) yield user;
  }

  /**
   * A user's device, the same in every event of the hour as a real one is: its id, place,
   * platform, address and session — not a fresh random id and place per event, which made the
   * demo's data (and the query copy's size) unlike any real project's.
   */
  private device(user: number) {
    const hash = (k: number) => mix(user * 0x9e3779b1 + k) >>> 0;
    const hex = (k: number) => hash(k).toString(16).padStart(8, '0');
    const h = `${hex(1)}${hex(2)}${hex(3)}${hex(4)}`;
    return {
      id: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`,
      city: CITIES[hash(5) % CITIES.length]!,
      platform: PLATFORMS[hash(6) % PLATFORMS.length]!,
      ip: `${10 + (user % 200)}.${hash(7) % 256}.${hash(8) % 256}.${hash(9) % 256}`,
      lat: ((hash(10) % 1_800_000) / 10_000 - 90).toFixed(4),
      lng: ((hash(11) % 3_600_000) / 10_000 - 180).toFixed(4),
      session: this.startMs - (hash(12) % HOUR_MS),
    };
  }

  event(n: number): string {
    const user = this.int(this.users);
    const at = this.startMs + Math.floor(((n + this.random()) / this.events) * HOUR_MS);
    const anonymous = user % 5 === 0;
    const merged = this.isMerged(user) && (at - this.startMs) / HOUR_MS >= this.fraction(user);
    const amplitudeId = merged ? this.secondAmplitudeId(user) : this.amplitudeId(user);
    const device = this.device(user);
    const [city, region, country] = device.city;
    const [platform, osName, osVersion, model, brand] = device.platform;
    const eventType = this.pick(EVENT_TYPES);
    const eventTime = at - 800 - this.int(4000);
    const clientUpload = at - 200 - this.int(500);
    const plan = PLANS[user % PLANS.length]!;
    const userId = anonymous ? 'null' : `"user-${user}@demo.example"`;
    const path = `/${this.pick(WORDS)}/${this.pick(WORDS)}/${this.hex(6)}`;
    return (
      `{"server_received_time":"${ts(at - 40)}","app":${this.projectId},"device_carrier":${platform === 'iOS' ? '"T-Mobile"' : 'null'},` +
      `"$schema":12,"city":"${city}","user_id":${userId},"uuid":"${this.uuid()}","event_time":"${ts(eventTime)}",` +
      `"platform":"${platform}","os_version":"${osVersion}","amplitude_id":${amplitudeId},"processed_time":"${ts(at + 900)}",` +
      `"user_creation_time":"${ts(this.startMs - 86_400_000 * (1 + (user % 400)))}","version_name":"4.${user % 12}.${this.int(10)}",` +
      `"ip_address":"${device.ip}","paying":${plan === 'free' ? 'null' : 'true'},` +
      `"dma":"${city === 'San Francisco' ? 'San Francisco-Oakland-San Jose, CA' : ''}","group_properties":{"company":{"plan":"${plan}"}},` +
      `"user_properties":{"plan":"${plan}","cohort":"2026-${String(1 + (user % 12)).padStart(2, '0')}","seats":${1 + (user % 250)},` +
      `"initial_utm_source":"${this.pick(WORDS)}","beta":${user % 7 === 0}},` +
      `"client_upload_time":"${ts(clientUpload)}","$insert_id":"${this.uuid()}","event_type":"${eventType}","library":"amplitude-ts/2.11.4",` +
      `"amplitude_attribution_ids":null,"device_type":"${model}","device_manufacturer":"${brand}","start_version":"4.0.0",` +
      `"location_lng":${device.lng},"server_upload_time":"${ts(at)}","event_id":${n},` +
      `"location_lat":${device.lat},"os_name":"${osName}","amplitude_event_type":null,"device_brand":"${brand}",` +
      `"groups":{"company":"acct-${user % 97}"},"event_properties":{"path":"${path}",` +
      `"duration_ms":${this.int(120_000)},"scroll_depth":${this.int(101)},"button":"${this.pick(WORDS)}-${this.int(12)}","variant":"${this.pick(['control', 'treatment'])}"},` +
      `"data":{"path":"/2/httpapi","user_properties_updated":${this.random() < 0.1}},` +
      `"device_id":"${device.id}","language":"English","device_model":"${model}","country":"${country}","region":"${region}",` +
      `"is_attribution_event":false,"adid":null,"session_id":${device.session},"device_family":"${model}","sample_rate":null,"idfa":null,` +
      `"client_event_time":"${ts(eventTime)}"}\n`
    );
  }
}

/** Amplitude's own timestamp form: `2020-01-25 17:03:12.123000` (UTC, no zone). */
function ts(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) | 0;
}
