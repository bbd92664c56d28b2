// The shapes of the plain objects Hearth's JS API hands out (serde values of crate/src/client/
// types.rs), kept by hand: wasm-bindgen types them as `any`. Keep in step with types.rs.

export interface ClientOptions {
  /** Service nodes (multiaddrs ending in /p2p/<id>); none: the Status fleet. */
  peers?: string[];
  /** IndexedDB database name, default "hearth". */
  dbName?: string;
  /** Keep nothing across reloads. */
  memory?: boolean;
  /** How long start() waits for a store node; default 0 (resolve at once, storage first). */
  timeoutMs?: number;
}

export type SendState =
  | { state: "received" }
  | { state: "pending" }
  | { state: "sent" }
  | { state: "failed"; reason: string };

export interface ReactionCount { emoji: string; count: number; authors: string[]; mine: boolean }
export interface ReplyQuote { id: string; author: string | null; text: string | null; deleted: boolean }
export interface InlineImage { mime: string; bytes: number[] }

export interface TimelineItem {
  id: string;
  chat_id: string;
  author: string;
  display_name: string | null;
  clock: number;
  timestamp_ms: number;
  text: string;
  content_type: number;
  image: InlineImage | null;
  reply_to: ReplyQuote | null;
  edited: boolean;
  deleted: boolean;
  pinned: boolean;
  reactions: ReactionCount[];
  send_state: SendState;
  mentions_me: boolean;
}

export type SyncProgress =
  | { phase: "stored" }
  | { phase: "inbox"; pages: number; messages: number }
  | { phase: "older"; pages: number; messages: number }
  /** Reading the community's archive of [from_s, to_s) (Unix seconds), past the store window:
   * bytes_fetched so far of data_len, the size of all the community's archives. */
  | { phase: "archive"; from_s: number; to_s: number; bytes_fetched: number; data_len: number }
  | { phase: "live" }
  | { phase: "failed"; step: string; reason: string; retry_in_ms: number | null };

export type TimelineEvent =
  | { kind: "stored"; items: TimelineItem[] }
  | { kind: "upsert"; item: TimelineItem }
  | { kind: "older"; items: TimelineItem[]; complete: boolean }
  | { kind: "progress"; progress: SyncProgress };

export type Membership =
  | { state: "none" }
  | { state: "pending"; clock: number }
  | { state: "accepted" }
  | { state: "declined" }
  | { state: "member" }
  | { state: "banned" };

export interface ChannelInfo {
  uuid: string; chat_id: string; name: string; description: string; emoji: string; color: string;
  category_id: string | null; position: number; can_post: boolean;
}
export interface CategoryInfo { id: string; name: string; position: number }

export interface CommunityInfo {
  id: string; name: string; description: string; color: string; tags: string[]; members: number;
  requires_approval: boolean; token_gated: boolean; categories: CategoryInfo[];
  channels: ChannelInfo[]; logo: InlineImage | null; banner: InlineImage | null;
  state: { state: "unverified" } | { state: "verified"; clock: number };
  membership: Membership;
}

export type CommunityEvent =
  | { kind: "description"; info: CommunityInfo }
  | { kind: "not_found" }
  | { kind: "signer_mismatch"; signer: string }
  | { kind: "progress"; progress: SyncProgress };

export interface ClientHealth {
  connected_peers: number;
  protocols: [string, number][];
  transports: [string, number][];
  storage: { backend: "indexed_db" } | { backend: "memory"; reason: string | null };
  outbox: number;
  /** The store node that answered last; null until one has. */
  store_node: { address: string; answered_ms: number } | null;
}

export interface PreviewLinkInfo {
  community: string; name: string | null; description: string | null; members: number | null;
  color: string | null; channel: string | null;
}
