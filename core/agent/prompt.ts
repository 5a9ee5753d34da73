/** One named section of what the model is told (KiraAI's `Prompt`): plugins append or edit sections by name. */
export interface Prompt {
  name: string;
  content: string;
  /** Who added it: `core`, or a plugin key. */
  source: string;
}
