//! The one test suite every backend passes, as matrix-rust-sdk runs its event-cache stores through
//! `event_cache_store_integration_tests!`: `storage_suite!(name, make)` expands to one test per
//! behaviour in a module `name`, where `make(test_name, config)` is an async function returning a
//! fresh, empty `Arc<dyn Storage>`. Natively the tests run under `futures`' executor; in the
//! browser under `wasm_bindgen_test`.

/// See the module docs. The calling crate needs `hearth`, `futures` and (for wasm32)
/// `wasm_bindgen_test` in scope as crates.
#[macro_export]
macro_rules! storage_suite {
    ($name:ident, $make:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use hearth::storage::*;

            const COMMUNITY: &str = "0x02aa";
            const CHAT: &str = "0x02aachannel";

            fn msg(id: &str, clock: u64, ts: u64) -> MessageRecord {
                MessageRecord {
                    v: RECORD_VERSION,
                    id: id.into(),
                    community: COMMUNITY.into(),
                    chat_id: CHAT.into(),
                    author: "0x04author".into(),
                    clock,
                    timestamp_ms: ts,
                    hash: format!("hash-{id}"),
                    body: MessageBody::Chat {
                        text: format!("text {id}"),
                        content_type: 1,
                        response_to: None,
                        display_name: None,
                        image: None,
                    },
                }
            }

            fn annotation(id: &str, clock: u64, body: MessageBody) -> MessageRecord {
                MessageRecord {
                    body,
                    ..msg(id, clock, clock)
                }
            }

            fn ids(records: &[MessageRecord]) -> Vec<&str> {
                records.iter().map(|r| r.id.as_str()).collect()
            }

            async fn store(test: &str, config: StorageConfig) -> std::sync::Arc<dyn Storage> {
                let make = $make;
                make(test, config).await
            }

            macro_rules! case {
                ($test:ident, $body:expr) => {
                    #[cfg(not(target_arch = "wasm32"))]
                    #[test]
                    fn $test() {
                        futures::executor::block_on($body(stringify!($test)));
                    }
                    #[cfg(target_arch = "wasm32")]
                    #[wasm_bindgen_test::wasm_bindgen_test]
                    async fn $test() {
                        $body(stringify!($test)).await;
                    }
                };
            }

            case!(communities_keep_the_highest_clock, |t| async move {
                let s = store(t, StorageConfig::default()).await;
                let rec = |clock, byte| CommunityRecord {
                    v: RECORD_VERSION,
                    id: COMMUNITY.into(),
                    clock,
                    pubsub_topic: "/waku/2/rs/16/32".into(),
                    waku_message: vec![byte],
                    opened_ms: 0,
                };
                assert!(s.put_community(rec(5, 5)).await.unwrap());
                assert!(!s.put_community(rec(4, 4)).await.unwrap(), "an older clock");
                assert!(!s.put_community(rec(5, 9)).await.unwrap(), "the same clock");
                assert!(s.put_community(rec(7, 7)).await.unwrap());
                let got = s.community(COMMUNITY).await.unwrap().unwrap();
                assert_eq!((got.clock, got.waku_message), (7, vec![7]));
                assert_eq!(s.community("0x03bb").await.unwrap(), None);
            });

            case!(recent_communities_come_most_recent_first, |t| async move {
                let s = store(t, StorageConfig::default()).await;
                for id in ["0x02a", "0x02b", "0x02c"] {
                    let r = CommunityRecord {
                        v: RECORD_VERSION,
                        id: id.into(),
                        clock: 1,
                        pubsub_topic: String::new(),
                        waku_message: Vec::new(),
                        opened_ms: 0,
                    };
                    s.put_community(r).await.unwrap();
                }
                s.touch_community("0x02b", 10).await.unwrap();
                s.touch_community("0x02c", 20).await.unwrap();
                let all = s.communities().await.unwrap();
                let order: Vec<_> = all.iter().map(|c| c.id.as_str()).collect();
                assert_eq!(order, ["0x02c", "0x02b", "0x02a"]);
            });

            case!(
                messages_are_ordered_by_clock_time_and_id_and_deduplicated,
                |t| async move {
                    let s = store(t, StorageConfig::default()).await;
                    let out = s
                        .put_messages(vec![
                            msg("0x03", 3, 1),
                            msg("0x01", 1, 9),
                            msg("0x02b", 2, 5),
                        ])
                        .await
                        .unwrap();
                    assert_eq!(out.inserted.len(), 3);
                    let out = s
                        .put_messages(vec![
                            msg("0x02a", 2, 5),
                            msg("0x01", 1, 9),
                            msg("0x02c", 2, 4),
                        ])
                        .await
                        .unwrap();
                    assert_eq!((out.inserted.len(), out.duplicates), (2, 1));
                    let all = s.messages(CHAT, None, 100).await.unwrap();
                    assert_eq!(ids(&all), ["0x01", "0x02c", "0x02a", "0x02b", "0x03"]);
                    assert_eq!(s.messages("0x02other", None, 100).await.unwrap(), vec![]);
                }
            );

            case!(pages_go_back_from_a_position, |t| async move {
                let s = store(t, StorageConfig::default()).await;
                let batch: Vec<_> = (1..=10).map(|i| msg(&format!("0x{i:02}"), i, i)).collect();
                s.put_messages(batch).await.unwrap();
                let newest = s.messages(CHAT, None, 3).await.unwrap();
                assert_eq!(ids(&newest), ["0x08", "0x09", "0x10"]);
                let before = newest[0].order_key();
                let older = s.messages(CHAT, Some(&before), 3).await.unwrap();
                assert_eq!(ids(&older), ["0x05", "0x06", "0x07"]);
                let first = s
                    .messages(CHAT, Some(&older[0].order_key()), 10)
                    .await
                    .unwrap();
                assert_eq!(ids(&first), ["0x01", "0x02", "0x03", "0x04"]);
            });

            case!(
                annotations_are_kept_whatever_order_they_arrive_in,
                |t| async move {
                    let s = store(t, StorageConfig::default()).await;
                    // The edit and the reaction come first; their message later.
                    let edit = MessageBody::Edit {
                        target: "0x01".into(),
                        text: "fixed".into(),
                    };
                    let react = MessageBody::Reaction {
                        target: "0x01".into(),
                        emoji: "❤️".into(),
                        retracted: false,
                    };
                    s.put_messages(vec![
                        annotation("0xe1", 5, edit),
                        annotation("0xr1", 6, react),
                    ])
                    .await
                    .unwrap();
                    assert_eq!(
                        s.messages(CHAT, None, 10).await.unwrap(),
                        vec![],
                        "not items"
                    );
                    s.put_messages(vec![msg("0x01", 1, 1)]).await.unwrap();
                    let mut found = s.annotations(CHAT, &["0x01".to_string()]).await.unwrap();
                    found.sort_by(|a, b| a.id.cmp(&b.id));
                    assert_eq!(ids(&found), ["0xe1", "0xr1"]);
                    assert_eq!(
                        s.annotations(CHAT, &["0x02".to_string()]).await.unwrap(),
                        vec![]
                    );
                    assert_eq!(s.message("0xe1").await.unwrap().unwrap().clock, 5);
                }
            );

            case!(messages_are_found_by_hash, |t| async move {
                let s = store(t, StorageConfig::default()).await;
                s.put_messages(vec![msg("0x01", 1, 1)]).await.unwrap();
                assert_eq!(
                    s.message_by_hash("hash-0x01").await.unwrap().unwrap().id,
                    "0x01"
                );
                assert_eq!(s.message_by_hash("hash-0x02").await.unwrap(), None);
            });

            case!(the_cap_pushes_the_oldest_out_first, |t| async move {
                let config = StorageConfig {
                    max_messages_per_community: 5,
                };
                let s = store(t, config).await;
                let batch: Vec<_> = (1..=4).map(|i| msg(&format!("0x{i:02}"), i, i)).collect();
                assert_eq!(s.put_messages(batch).await.unwrap().evicted, 0);
                let batch: Vec<_> = (5..=8).map(|i| msg(&format!("0x{i:02}"), i, i)).collect();
                assert_eq!(s.put_messages(batch).await.unwrap().evicted, 3);
                let all = s.messages(CHAT, None, 100).await.unwrap();
                assert_eq!(ids(&all), ["0x04", "0x05", "0x06", "0x07", "0x08"]);
                assert_eq!(s.message("0x01").await.unwrap(), None);
                assert_eq!(s.message_by_hash("hash-0x02").await.unwrap(), None);
            });

            case!(sync_marks_are_per_topic, |t| async move {
                let s = store(t, StorageConfig::default()).await;
                assert_eq!(s.sync_mark("/a").await.unwrap(), None);
                let mark = |topic: &str, ns| SyncMark {
                    v: RECORD_VERSION,
                    content_topic: topic.into(),
                    complete_until_ns: ns,
                };
                s.put_sync_mark(mark("/a", 10)).await.unwrap();
                s.put_sync_mark(mark("/b", 20)).await.unwrap();
                s.put_sync_mark(mark("/a", 30)).await.unwrap();
                assert_eq!(
                    s.sync_mark("/a").await.unwrap().unwrap().complete_until_ns,
                    30
                );
                assert_eq!(
                    s.sync_mark("/b").await.unwrap().unwrap().complete_until_ns,
                    20
                );
            });

            case!(peers_come_most_recently_answering_first, |t| async move {
                let s = store(t, StorageConfig::default()).await;
                for (addr, ms) in [("/a", 5), ("/b", 9), ("/c", 1)] {
                    let p = PeerRecord {
                        v: RECORD_VERSION,
                        multiaddr: addr.into(),
                        last_answer_ms: ms,
                        pinned: false,
                    };
                    s.put_peer(p).await.unwrap();
                }
                s.remove_peer("/c").await.unwrap();
                let order: Vec<_> = s
                    .peers()
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|p| p.multiaddr)
                    .collect();
                assert_eq!(order, ["/b", "/a"]);
            });

            case!(
                the_outbox_keeps_order_and_state_until_removed,
                |t| async move {
                    let s = store(t, StorageConfig::default()).await;
                    let entry = |id: &str, created| OutboxEntry {
                        v: RECORD_VERSION,
                        id: id.into(),
                        pubsub_topic: "/waku/2/rs/16/32".into(),
                        waku_messages: vec![vec![1, 2, 3]],
                        record: msg(id, created, created),
                        state: OutboxState::Queued,
                        created_ms: created,
                        attempts: 0,
                    };
                    s.put_outbox(entry("0x02", 2)).await.unwrap();
                    s.put_outbox(entry("0x01", 1)).await.unwrap();
                    let mut failed = entry("0x02", 2);
                    failed.state = OutboxState::Failed {
                        reason: "offline".into(),
                    };
                    failed.attempts = 3;
                    s.put_outbox(failed.clone()).await.unwrap();
                    let all = s.outbox().await.unwrap();
                    assert_eq!(all.len(), 2);
                    assert_eq!(all[0].id, "0x01");
                    assert_eq!(all[1], failed);
                    s.remove_outbox("0x01").await.unwrap();
                    assert_eq!(s.outbox().await.unwrap(), vec![failed]);
                }
            );

            case!(secrets_are_kept_by_name, |t| async move {
                let s = store(t, StorageConfig::default()).await;
                let secret = SecretRecord {
                    v: RECORD_VERSION,
                    name: "identity".into(),
                    data: vec![9; 40],
                };
                s.put_secret(secret.clone()).await.unwrap();
                assert_eq!(s.secret("identity").await.unwrap(), Some(secret));
                s.remove_secret("identity").await.unwrap();
                assert_eq!(s.secret("identity").await.unwrap(), None);
            });
        }
    };
}
