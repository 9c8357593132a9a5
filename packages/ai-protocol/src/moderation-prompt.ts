/**
 * What a Llama Guard model reads of a moderation call: the provider's chat template wraps the message in its task,
 * its safety policy (the 14 MLCommons hazard categories of Llama Guard 3 and 4) and its answer instructions, and bills
 * all of it as prompt (853 bytes, about 200 tokens of English words, beside the message). The gateway sizes the worst
 * case of its moderation calls with it and the emulator bills its Llama Guard models with it. Pure and dependency-free.
 */

/** Llama Guard's hazard categories, as its template lists them (`S1`…`S14`). */
const CATEGORIES = [
  'Violent Crimes.',
  'Non-Violent Crimes.',
  'Sex Crimes.',
  'Child Exploitation.',
  'Defamation.',
  'Specialized Advice.',
  'Privacy.',
  'Intellectual Property.',
  'Indiscriminate Weapons.',
  'Hate.',
  'Self-Harm.',
  'Sexual Content.',
  'Elections.',
  'Code Interpreter Abuse.',
];

const BEFORE = [
  '<|begin_of_text|><|header_start|>user<|header_end|>\n\n',
  "Task: Check if there is unsafe content in 'User' messages in conversations according to our safety policy with the below categories.\n\n",
  '<BEGIN UNSAFE CONTENT CATEGORIES>\n',
  ...CATEGORIES.map((category, index) => `S${index + 1}: ${category}\n`),
  '<END UNSAFE CONTENT CATEGORIES>\n\n',
  '<BEGIN CONVERSATION>\n\n',
  'User: ',
].join('');

const AFTER = [
  '\n\n<END CONVERSATION>\n\n',
  'Provide your safety assessment for ONLY THE LAST User message in the above conversation:\n',
  "- First line must read 'safe' or 'unsafe'.\n",
  '- If unsafe, a second line must include a comma-separated list of violated categories.',
  '<|eot|><|header_start|>assistant<|header_end|>',
].join('');

/**
 * The prompt a Llama Guard model is billed for when asked about one user message: the message inside its chat
 * template (Llama Guard 4's; Llama Guard 3's differs only in its header tokens, which are shorter).
 *
 * @example
 * llamaGuardPrompt('hello').length - 'hello'.length; // 853, the template's characters
 */
export function llamaGuardPrompt(message: string): string {
  return BEFORE + message + AFTER;
}
