/** ChatMessage is one message of a chat request, in OpenAI's format. The workload makes them; protocol adapters put them on the wire. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
