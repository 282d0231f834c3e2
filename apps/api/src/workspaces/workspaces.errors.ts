import { defineErrors } from '@enclave/platform';

/** Workspaces, members and invitations; `notFound` and `roleRequired` are also what every access check answers. */
export const WORKSPACE_ERRORS = defineErrors({
  notFound: { kind: 'not_found', code: 'workspace_not_found', message: 'No such workspace.' },
  roleRequired: { kind: 'forbidden', code: 'role_required', message: 'This needs a higher role in the workspace.' },
  slugInvalid: { kind: 'invalid', code: 'slug_invalid', message: 'Slug is not valid.' },
  slugTaken: { kind: 'conflict', code: 'slug_taken', message: 'Slug is already taken.' },
  alreadyMember: { kind: 'conflict', code: 'already_member', message: 'That person is already a member.' },
  invitationNotFound: { kind: 'not_found', code: 'invitation_not_found', message: 'No such invitation.' },
  memberNotFound: { kind: 'not_found', code: 'member_not_found', message: 'No such member in this workspace.' },
  alreadyOwner: { kind: 'invalid', code: 'already_owner', message: 'Choose another member to hand the workspace to.' },
  lastOwner: {
    kind: 'conflict',
    code: 'last_owner',
    message: 'A workspace needs at least one owner; make someone else owner first.',
  },
});
