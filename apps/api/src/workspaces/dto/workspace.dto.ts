import { MEMBERSHIP_ROLES, WORKSPACE_STATUSES } from '@enclave/persistence';
import { humanText } from '@enclave/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { emailSchema } from '../../auth/dto/auth.dto';

const nameSchema = humanText({ max: 80 });
/**
 * Clean one-line text only; the slug's format, reserved words and uniqueness are business rules
 * the service checks (so the availability check can say which one a typed slug breaks).
 */
const slugSchema = humanText({ max: 63 });

export class CreateWorkspaceDto extends createZodDto(z.strictObject({ name: nameSchema, slug: slugSchema })) {}
export class RenameWorkspaceDto extends createZodDto(z.strictObject({ name: nameSchema })) {}
export class SlugQueryDto extends createZodDto(z.strictObject({ slug: slugSchema })) {}

const assignableRole = z.enum(['admin', 'member']);
export class InviteMemberDto extends createZodDto(
  z.strictObject({ email: emailSchema, role: assignableRole.default('member') }),
) {}
export class TransferOwnershipDto extends createZodDto(z.strictObject({ userId: z.uuid() })) {}
export class ChangeRoleDto extends createZodDto(z.strictObject({ role: z.enum(MEMBERSHIP_ROLES) })) {}

export const workspaceSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  status: z.enum(WORKSPACE_STATUSES),
  role: z.enum(MEMBERSHIP_ROLES),
  createdAt: z.iso.datetime(),
});
export class WorkspaceDto extends createZodDto(workspaceSchema) {}

export const memberSchema = z.object({
  userId: z.uuid(),
  email: z.email(),
  name: z.string().nullable(),
  role: z.enum(MEMBERSHIP_ROLES),
  joinedAt: z.iso.datetime(),
});
export const invitationSchema = z.object({
  id: z.uuid(),
  email: z.email(),
  role: assignableRole,
  invitedAt: z.iso.datetime(),
});
export class MembersDto extends createZodDto(
  z.object({ members: z.array(memberSchema), invitations: z.array(invitationSchema) }),
) {}
export class InviteResultDto extends createZodDto(
  z.object({ status: z.enum(['added', 'invited']), email: z.email() }),
) {}
export class SlugAvailabilityDto extends createZodDto(
  z.object({ slug: z.string(), available: z.boolean(), reason: z.string().nullable() }),
) {}
