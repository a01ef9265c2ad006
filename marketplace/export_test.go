package marketplace

// InvitationSQL is the invitations query, for the test that holds its outcomes
// against InvitationMachine.
const InvitationSQL = invitationSQL
