import { MODEL_PROVIDERS } from '@enclave/persistence';
import { humanText } from '@enclave/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const INSTRUCTIONS_MAX_CHARS = 8_000;

const fields = {
  name: humanText({ max: 100 }),
  /** The agent's system prompt. */
  instructions: humanText({ max: INSTRUCTIONS_MAX_CHARS, min: 0, multiline: true }),
  provider: z.enum(MODEL_PROVIDERS),
  model: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/, 'model names are letters, digits and . _ : / -'),
  enabled: z.boolean(),
};

export class CreateAgentDto extends createZodDto(
  z.strictObject({ ...fields, instructions: fields.instructions.default(''), enabled: fields.enabled.default(true) }),
) {}
export class UpdateAgentDto extends createZodDto(
  z
    .strictObject({
      name: fields.name.optional(),
      instructions: fields.instructions.optional(),
      provider: fields.provider.optional(),
      model: fields.model.optional(),
      enabled: fields.enabled.optional(),
    })
    .refine((value) => Object.keys(value).length > 0, 'nothing to change'),
) {}

export const agentSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  instructions: z.string(),
  provider: z.enum(MODEL_PROVIDERS),
  model: z.string(),
  enabled: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export class AgentDto extends createZodDto(agentSchema) {}
export class AgentResultDto extends createZodDto(
  z.object({ agent: agentSchema, delivery: z.enum(['delivered', 'pending']) }),
) {}
