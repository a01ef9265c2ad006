package marketplace

// InvitationSQL is the invitations query, for the test that holds its outcomes
// against InvitationMachine.
var InvitationSQL = invitationSQL
