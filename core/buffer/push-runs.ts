/**
 * The pushes with each chat's together, in the order its pushes were made (chats in the order they first
 * pushed): PUSH_MANY stores a chat's consecutive buffered pushes as one run (one HINCRBY and one RPUSH, its
 * arguments parsed once), and the pipeline hands over a wave of bursts interleaved, a message of each chat in
 * turn. Order between chats means nothing to the buffer. The same array when nothing needs moving (a producer
 * that pushes each burst together, as the buffer bench does).
 */
export function byChat<P extends { message: { chatKey: string } }>(pushes: P[]): P[] {
  let grouped = true;
  const ended = new Set<string>();
  for (let i = 1; i < pushes.length && grouped; i++) {
    const chat = pushes[i]!.message.chatKey;
    const before = pushes[i - 1]!.message.chatKey;
    if (chat === before) continue;
    ended.add(before);
    grouped = !ended.has(chat);
  }
  if (grouped) return pushes;
  const chats = new Map<string, P[]>();
  for (const push of pushes) {
    const list = chats.get(push.message.chatKey);
    if (list) list.push(push);
    else chats.set(push.message.chatKey, [push]);
  }
  return [...chats.values()].flat();
}
